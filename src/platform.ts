import { readFileSync } from 'node:fs';
import { type RunningApi, startApi } from './api/index.ts';
import { type Broker, brokerOptionsFromConfig, startBroker } from './broker/index.ts';
import type { Config } from './config.ts';
import {
  DEMO_BUILDINGS,
  DEMO_SITE,
  type DemoFaultOptions,
  type DemoSignIn,
  provisionDemoEstate,
  provisionDemoStaff,
  startDemoFaults,
} from './demo/index.ts';
import { influxQuery, ingestOptionsFromConfig, startIngest } from './ingest/index.ts';
import type { Logger } from './log.ts';
import { notifyOptionsFromConfig, type RunningNotify, startNotify } from './notify/index.ts';
import { openRecords, type Records } from './records/index.ts';
import { openServiceDesk, type ServiceDesk } from './records/service/index.ts';
import { DEFAULT_RULE_FILE, rulesOptions, startRules } from './rules/index.ts';
import { loadServiceSecret } from './service-secret.ts';
import { type Fleet, runFleet } from './simulators/index.ts';

export interface PlatformOptions {
  config: Config;
  log: Logger;
  /** Create the demo estate and run its simulated fleet. */
  demo: boolean;
  /** The demo fleet's occasional faults (docs/console.md); false: none. Default on with the demo. */
  demoFaults?: DemoFaultOptions | false;
}

export interface Platform {
  records: Records;
  desk: ServiceDesk;
  broker: Broker;
  api: RunningApi;
  fleet?: Fleet;
  /** What an operator needs to know: addresses, files. */
  summary: string[];
  stop(): Promise<void>;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

interface Running {
  name: string;
  stop(): Promise<void>;
}

/**
 * The order services stop in, first to last (they start in the order startPlatform lists them:
 * records, desk, broker, ingest, rules, API, simulator). The API first, so no request finds a
 * service gone; rules before the simulated devices, whose farewell `offline` statuses must not
 * look like a site-wide outage to it. On the broker's bus ingest stops right after the broker:
 * what devices publish until the broker closes (acknowledged on receipt, with no session to keep
 * it) still reaches ingest and is stored. The records store last: the desk and rules write to it.
 */
function stopOrder(ingestOnBus: boolean): readonly string[] {
  return ingestOnBus
    ? ['demo-faults', 'api', 'rules', 'simulator', 'broker', 'ingest', 'desk', 'notify', 'records']
    : ['demo-faults', 'api', 'rules', 'ingest', 'simulator', 'broker', 'desk', 'notify', 'records'];
}

/** Stops what is running in `order`; a failing stop is logged and the rest still stop. */
async function stopAll(running: Running[], order: readonly string[], log: Logger): Promise<void> {
  const rank = (r: Running) => order.indexOf(r.name);
  for (const service of running.toSorted((a, b) => rank(a) - rank(b))) {
    const started = performance.now();
    try {
      await service.stop();
      log.debug({ service: service.name, ms: Math.round(performance.now() - started) }, 'stopped');
    } catch (err) {
      log.error({ err, service: service.name }, 'failed to stop cleanly');
    }
  }
}

/**
 * Every service in one process: records and the service desk's clock, the broker, ingest, rules,
 * the API and (for the demo) a simulated estate. Services reach the broker over MQTT like any
 * other client, so each can also run alone against an external broker (FM_MQTT_URL); ingest and
 * rules read the broker's bus in-process when the broker is this process's own.
 */
export async function startPlatform({ config, log, demo, demoFaults }: PlatformOptions): Promise<Platform> {
  const running: Running[] = [];
  const inProcess = !config.FM_MQTT_URL;
  const order = stopOrder(inProcess);
  const started = <T extends { stop(): Promise<void> }>(name: string, service: T): T => {
    running.push({ name, stop: () => service.stop() });
    return service;
  };
  try {
    const service = loadServiceSecret(config.FM_SERVICE_SECRET, config.FM_DATA_DIR);
    const records = await openRecords({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.FM_DATA_DIR,
      log: log.child({ service: 'records' }),
    });
    running.push({ name: 'records', stop: () => records.close() });
    // Notifications, when a channel is configured: the desk writes them, the sender delivers them.
    const notifyOptions = notifyOptionsFromConfig(config);
    const notify: RunningNotify | undefined = notifyOptions
      ? startNotify({
          db: records.db,
          log: log.child({ service: 'notify' }),
          options: notifyOptions,
          lang: config.FM_LANG,
        })
      : undefined;
    if (notify) running.push({ name: 'notify', stop: () => notify.stop() });
    const desk = openServiceDesk({
      db: records.db,
      log: log.child({ service: 'desk' }),
      lang: config.FM_LANG,
      ...(notify ? { outbox: notify.outbox } : {}),
    });
    if (notify) desk.onChange(() => notify.wake());
    desk.start();
    running.push({ name: 'desk', stop: async () => desk.stop() });
    // Registered before ingest and rules start, so they know the demo devices from their first message.
    const credentials = demo
      ? await provisionDemoEstate(records, config.FM_DATA_DIR, log.child({ service: 'demo' }))
      : [];
    const signIns: DemoSignIn[] = demo
      ? await provisionDemoStaff(records, desk, config.FM_DATA_DIR, log.child({ service: 'demo' }))
      : [];

    const broker = started(
      'broker',
      await startBroker({
        options: brokerOptionsFromConfig(config, (path) => readFileSync(path, 'utf8')),
        log: log.child({ service: 'broker' }),
        devices: records,
        serviceSecret: service.secret,
      }),
    );
    const { tcp, ws, tls } = broker.addresses;
    const mqttUrl = config.FM_MQTT_URL ?? `mqtt://${tcp.host}:${tcp.port}`;
    const account = (name: string) => ({
      url: mqttUrl,
      username: `service.${name}`,
      password: service.secret,
      clientId: `service.${name}`,
    });

    const ingestOptions = ingestOptionsFromConfig(config);
    // Beside its own broker ingest reads the broker's bus; with FM_MQTT_URL it is an MQTT client.
    const ingest = await startIngest({
      options: ingestOptions,
      ...(inProcess ? { bus: broker.bus } : { mqtt: account('ingest') }),
      log: log.child({ service: 'ingest' }),
      devices: records,
    });
    started('ingest', ingest);
    const rules = started(
      'rules',
      await startRules({
        options: rulesOptions({
          ruleFiles: [DEFAULT_RULE_FILE, ...list(config.FM_RULES_FILES)],
          lang: config.FM_LANG,
          grafanaUrl: config.FM_GRAFANA_URL,
          selfCloseLow: config.FM_RULES_SELF_CLOSE_LOW,
          sites: config.FM_RULES_SITES ? list(config.FM_RULES_SITES) : undefined,
          tickMs: config.FM_RULES_TICK_MS,
          refreshMs: config.FM_RULES_REFRESH_S * 1000,
        }),
        log: log.child({ service: 'rules' }),
        now: () => new Date(),
        records,
        desk,
        ...(inProcess ? { bus: broker.bus } : { mqtt: account('rules') }),
      }),
    );
    const target = ingestOptions.influx;
    const api = started(
      'api',
      await startApi({
        records,
        desk,
        log, // the app names itself service=api
        now: () => new Date(),
        options: {
          host: config.FM_API_HOST,
          port: config.FM_API_PORT,
          dataDir: config.FM_DATA_DIR,
          adminToken: config.FM_ADMIN_TOKEN,
          bodyLimitBytes: config.FM_API_BODY_LIMIT_BYTES,
          rateLimitMax: config.FM_API_RATE_LIMIT,
          rateLimitWindowMs: config.FM_API_RATE_WINDOW_S * 1000,
          trustProxy: config.FM_API_TRUST_PROXY,
          sseHeartbeatS: config.FM_API_SSE_HEARTBEAT_S,
          sseMaxClients: config.FM_API_SSE_MAX_CLIENTS,
          shutdownGraceMs: config.FM_API_SHUTDOWN_GRACE_S * 1000,
          docs: config.FM_API_DOCS,
        },
        influx: target ? (q) => influxQuery(target, q) : undefined,
        recentReadings: ingest.recent,
        services: [
          { name: 'broker', health: () => broker.health(), metrics: () => broker.metrics() },
          { name: 'ingest', health: () => ingest.health(), metrics: () => ingest.metrics() },
          { name: 'rules', health: () => rules.health(), metrics: () => rules.metrics() },
          ...(notify
            ? [{ name: 'notify', health: () => notify.health(), metrics: () => notify.metrics() }]
            : []),
        ],
        ingestRejects: () => ingest.rejects(),
      }),
    );

    const summary = [
      `  MQTT (TCP)        mqtt://${tcp.host}:${tcp.port}`,
      `  MQTT (WebSocket)  ws://${ws.host}:${ws.port}/mqtt`,
      ...(tls ? [`  MQTT (TLS)        mqtts://${tls.host}:${tls.port}`] : []),
      `  API               ${api.address}  (OpenAPI page: ${api.address}/docs)`,
      `  console           ${api.address}/  (staff sign in; residents report at /r/<code>)`,
      `  admin token       ${config.FM_ADMIN_TOKEN ? 'FM_ADMIN_TOKEN' : `${config.FM_DATA_DIR}/admin-token`}`,
      `  records           ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.FM_DATA_DIR}/records`}`,
      `  readings          ${target ? `InfluxDB ${target.url} (${target.mode})` : 'the last hour, in memory: set FM_INFLUX_URL to keep history (docs/ingest.md)'}`,
      `  service secret    ${service.file ?? 'FM_SERVICE_SECRET'}`,
    ];

    let fleet: Fleet | undefined;
    if (demo) {
      const buildings = new Map(DEMO_BUILDINGS.map((b) => [b.id, b]));
      fleet = await runFleet({
        brokerUrl: mqttUrl,
        site: DEMO_SITE.id,
        timezone: DEMO_SITE.timezone,
        log: log.child({ service: 'simulator' }),
        devices: credentials.map((c) => {
          const building = c.building ? buildings.get(c.building) : undefined;
          return {
            deviceId: c.deviceId,
            kind: c.kind,
            secret: c.secret,
            interval_s: c.intervalS,
            building: c.building,
            floors: building?.floors,
            basements: building?.basements,
            // Only the towers' stair circuits have emergency luminaires.
            emergency: c.kind === 'lighting' ? building !== undefined : undefined,
          };
        }),
      });
      started('simulator', fleet);
      summary.push(
        `  demo estate       site "${DEMO_SITE.id}": ${credentials.length} simulated devices (credentials in ${config.FM_DATA_DIR}/demo-credentials.json)`,
        `  demo sign-ins     (kept in ${config.FM_DATA_DIR}/demo-sign-ins.json)`,
        ...signIns.map(
          (s) => `    ${s.role.padEnd(11)} ${s.username.padEnd(11)} ${s.password}   ${api.address}${s.page}`,
        ),
      );
      if (demoFaults !== false) {
        const faults = startDemoFaults(fleet, credentials, log.child({ service: 'demo' }), demoFaults ?? {});
        running.push({ name: 'demo-faults', stop: async () => faults.stop() });
        summary.push(
          '  demo faults       a device develops a fault every 20 minutes or so; the first in 2 minutes',
        );
      }
    }
    return { records, desk, broker, api, fleet, summary, stop: () => stopAll(running, order, log) };
  } catch (err) {
    await stopAll(running, order, log);
    throw err;
  }
}
