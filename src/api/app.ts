/**
 * The API as a fastify instance that does not listen: tests build it and inject() into it, and
 * server.ts alone owns the port and the process (the fastify/demo split).
 */
import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Clock } from '../clock.ts';
import type { ServiceProbe } from '../health.ts';
import type { RejectedMessage } from '../ingest/index.ts';
import type { Logger } from '../log.ts';
import type { Records } from '../records/index.ts';
import { bootstrapAdmin } from './bootstrap.ts';
import { ChangeFeed, toChange } from './changes.ts';
import { consoleApiRoutes, consolePages, openConsoleState } from './console/index.ts';
import type { ApiContext, App } from './context.ts';
import type { ServiceDesk } from './desk.ts';
import { createEmqxAuth } from './emqx.ts';
import { ApiError } from './errors.ts';
import { type InfluxQuery, influxReadings, memoryReadings, type RecentReadingsLike } from './history.ts';
import { type ApiOptions, resolveApiOptions } from './options.ts';
import { registerAuth } from './plugins/auth.ts';
import { registerDocs } from './plugins/docs.ts';
import { registerErrorHandling } from './plugins/errors.ts';
import { HttpMetrics, registerHttpMetrics } from './plugins/metrics.ts';
import { registerSiteScope } from './plugins/sites.ts';
import { alertRoutes } from './routes/alerts.ts';
import { allowedActionRoutes } from './routes/allowed-actions.ts';
import { attachmentRoutes } from './routes/attachments.ts';
import { contactReadRoutes } from './routes/contact-reads.ts';
import { deadlineRoutes } from './routes/deadlines.ts';
import { deviceCommandRoutes } from './routes/device-commands.ts';
import { deviceHistoryRoutes } from './routes/device-history.ts';
import { deviceRoutes } from './routes/devices.ts';
import { dutyRoutes } from './routes/duty.ts';
import { emqxRoutes } from './routes/emqx.ts';
import { healthRoutes } from './routes/health.ts';
import { ingestRoutes } from './routes/ingest.ts';
import { maintenanceRoutes } from './routes/maintenance.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { planRoutes } from './routes/plans.ts';
import { recordActionRoutes } from './routes/record-actions.ts';
import { recordRoutes } from './routes/records.ts';
import { roundRetireRoutes } from './routes/round-retire.ts';
import { roundRoutes } from './routes/rounds.ts';
import { siteRoutes } from './routes/sites.ts';
import { slaRoutes } from './routes/sla.ts';
import { statsRoutes } from './routes/stats.ts';
import { streamRoutes } from './routes/stream.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { StreamTickets } from './stream-tickets.ts';
import { TokenStore } from './tokens.ts';

export interface ApiDeps {
  /** The sites and devices registry, and the database the API's tokens live in. */
  records: Records;
  /** The service desk (records/service): without it the record, alert and stats routes answer 503. */
  desk?: ServiceDesk;
  log: Logger;
  now: Clock;
  options: ApiOptions;
  /** InfluxQL over /query, where device status, last readings and history are read. */
  influx?: InfluxQuery;
  /** Without InfluxDB: the last hour ingest keeps in memory. Without either they answer 503 history-unavailable. */
  recentReadings?: RecentReadingsLike;
  /**
   * The services running beside the API (broker, ingest, rules): `/health` reports each one's state
   * and `/metrics` their counters as fm_<name>_*.
   */
  services?: readonly ServiceProbe[];
  /** The messages ingest refused lately, for GET /ingest/rejects. */
  ingestRejects?: () => RejectedMessage[];
  /** Password of the `service.<name>` accounts, for EMQX's HTTP authentication (POST /emqx/authn). */
  serviceSecret?: string;
}

export function buildApp(deps: ApiDeps): App {
  const options = resolveApiOptions(deps.options);
  const log = deps.log.child({ service: 'api' });
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // One line per request at 500 req/s is noise; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy,
    // Our ids, not the caller's: a 500 body quotes one and the log must hold exactly that.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);

  // The web console (src/api/console/): its sessions are one more way into the same routes.
  const consoleState = options.console.enabled
    ? openConsoleState({
        db: deps.records.db,
        now: deps.now,
        session: { ttlMs: options.console.sessionTtlMs, idleMs: options.console.sessionIdleMs },
        passwordCost: options.console.passwordCost,
      })
    : undefined;
  const ctx: ApiContext = {
    records: deps.records,
    desk: deps.desk,
    tokens: new TokenStore(deps.records.db, deps.now),
    streamTickets: new StreamTickets(deps.now),
    log,
    now: deps.now,
    options,
    readings: deps.influx
      ? influxReadings(deps.influx)
      : deps.recentReadings
        ? memoryReadings(deps.recentReadings)
        : undefined,
    services: [...(deps.services ?? []), ...(consoleState ? [consoleState.probe] : [])],
    ingestRejects: deps.ingestRejects,
    httpMetrics: new HttpMetrics(),
    changes: new ChangeFeed(log),
    emqx: deps.serviceSecret
      ? createEmqxAuth({ devices: deps.records, serviceSecret: deps.serviceSecret, log })
      : undefined,
  };
  registerHttpMetrics(app, ctx.httpMetrics);
  if (deps.desk) {
    const off = deps.desk.onChange((event) => ctx.changes.publish(toChange(event)));
    app.addHook('onClose', async () => off());
  }
  // Before the server waits for open connections: SSE streams would otherwise hold it open.
  app.addHook('preClose', async () => ctx.changes.close());

  app.register(async (root) => {
    await bootstrapAdmin(ctx.tokens, options, log);
    await root.register(helmet);
    await root.register(cookie);
    if (options.rateLimitMax > 0) {
      await root.register(rateLimit, {
        max: options.rateLimitMax,
        timeWindow: options.rateLimitWindowMs,
        errorResponseBuilder: (_request, c) =>
          new ApiError(429, 'rate-limited', `too many requests; retry in ${c.after}`),
      });
    }
    await registerDocs(root, { ui: options.docs });
    await root.register(async (api) => {
      registerAuth(api, ctx.tokens, ctx.streamTickets, consoleState?.authenticator);
      registerSiteScope(api);
      await api.register(healthRoutes, ctx);
      await api.register(tokenRoutes, ctx);
      await api.register(siteRoutes, ctx);
      await api.register(deviceRoutes, ctx);
      await api.register(deviceHistoryRoutes, ctx);
      await api.register(deviceCommandRoutes, ctx);
      await api.register(recordRoutes, ctx);
      await api.register(recordActionRoutes, ctx);
      await api.register(contactReadRoutes, ctx);
      await api.register(allowedActionRoutes, ctx);
      await api.register(attachmentRoutes, ctx);
      await api.register(deadlineRoutes, ctx);
      await api.register(alertRoutes, ctx);
      await api.register(dutyRoutes, ctx);
      await api.register(slaRoutes, ctx);
      await api.register(maintenanceRoutes, ctx);
      await api.register(statsRoutes, ctx);
      await api.register(planRoutes, ctx);
      await api.register(streamRoutes, ctx);
      await api.register(notificationRoutes, ctx);
      await api.register(ingestRoutes, ctx);
      await api.register(emqxRoutes, ctx);
      await api.register(roundRoutes, ctx);
      await api.register(roundRetireRoutes, ctx);
      if (consoleState) await api.register(consoleApiRoutes, { console: consoleState });
    });
    if (consoleState) {
      await root.register(consolePages, {
        state: consoleState,
        desk: deps.desk,
        records: deps.records,
        now: deps.now,
      });
    }
  });
  return app;
}
