import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ServiceHealth, worst } from '../../health.ts';
import type { ApiContext } from '../context.ts';
import { METRICS_READERS } from '../roles.ts';
import { authErrors } from '../schemas/common.ts';
import { renderMetrics } from './metrics-text.ts';

const serviceState = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  detail: z.string().optional(),
});

const health = z.object({
  status: z.enum(['ok', 'degraded', 'unavailable']),
  store: z.enum(['pglite', 'postgres']),
  /** Where readings are kept: InfluxDB, the last hour in memory, or nowhere (no ingest in this process). */
  history: z.enum(['influxdb', 'last-hour', 'not-kept']),
  /** Each service running in this process, and the records store. */
  services: z.record(z.string(), serviceState),
  uptimeS: z.number(),
});

export const healthRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const started = performance.now();
  app.get(
    '/health',
    {
      config: { roles: 'public', sites: 'none' },
      schema: {
        tags: ['health'],
        summary: 'Readiness: the store and every service in this process (no token)',
        description:
          '200 while everything works (`ok`) or works with something to look at (`degraded`, e.g. readings spooled while InfluxDB is down); 503 `unavailable` when the store is unreachable or a service is down (e.g. rules has no steady subscription, so faults are not being detected).',
        security: [],
        response: { 200: health, 503: health },
      },
    },
    async (_request, reply) => {
      const store: ServiceHealth = await ctx.records.db.query('SELECT 1').then(
        () => ({ status: 'ok' }),
        (err: unknown) => {
          reply.log.warn({ err }, 'health check: store unreachable');
          return { status: 'down', detail: 'the records database does not answer' };
        },
      );
      const services: Record<string, ServiceHealth> = { store };
      for (const probe of ctx.services) {
        if (!probe.health) continue;
        try {
          services[probe.name] = probe.health();
        } catch (err) {
          reply.log.warn({ err, service: probe.name }, 'health check failed');
          services[probe.name] = { status: 'down', detail: 'its health check failed' };
        }
      }
      const overall = worst(Object.values(services).map((s) => s.status));
      if (overall !== 'ok') reply.log.info({ services }, `health: ${overall}`);
      return reply.code(overall === 'down' ? 503 : 200).send({
        status: overall === 'down' ? 'unavailable' : overall,
        store: ctx.records.db.engine,
        history: ctx.readings?.kept ?? 'not-kept',
        services,
        uptimeS: Math.round((performance.now() - started) / 1000),
      });
    },
  );

  app.get(
    '/metrics',
    {
      config: { roles: METRICS_READERS, sites: 'none' },
      schema: {
        tags: ['health'],
        summary: "Prometheus metrics: HTTP, records, each service's state and counters",
        response: {
          200: {
            description: 'Prometheus text format 0.0.4',
            content: { 'text/plain': { schema: z.string() } },
          },
          ...authErrors,
        },
      },
    },
    async (_request, reply) =>
      reply.type('text/plain; version=0.0.4; charset=utf-8').send(await renderMetrics(ctx)),
  );
};
