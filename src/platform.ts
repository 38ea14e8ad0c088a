import { readFileSync } from 'node:fs';
import type { RunningApi } from './api/index.ts';
import type { Broker } from './broker/index.ts';
import { systemClock } from './clock.ts';
import { type Config, planSettings } from './config.ts';
import type { DemoFaultOptions, DemoSignIn } from './demo/index.ts';
import type { CommandSender } from './device-commands/index.ts';
import { influxQuery, ingestMqttOptions, ingestOptionsFromConfig, startIngest } from './ingest/index.ts';
import type { Logger } from './log.ts';
import { notifyOptionsFromConfig, type RunningNotify, startNotify } from './notify/index.ts';
import { openRecords, type Records } from './records/index.ts';
import { openServiceDesk, type ServiceDesk } from './records/service/index.ts';
import { rulesOptionsFromConfig, startRules } from './rules/index.ts';
import { loadServiceSecret } from './service-secret.ts';
import {
  brokerLines,
  ingestCopyProblem,
  missingBroker,
  probes,
  type Running,
  SERVICES,
  type ServiceName,
  stopAll,
  stopOrder,
} from './services.ts';
import type { Fleet } from './simulators/index.ts';

export interface PlatformOptions {
  config: Config;
  log: Logger;
  /** Create the demo estate and run its simulated fleet. */
  demo: boolean;
  /** The demo fleet's occasional faults (docs/console.md); false: none. Default on with the demo. */
  demoFaults?: DemoFaultOptions | false;
  /** The services this process runs (`facility start --only`); unset: all. The demo needs all. */
  only?: ReadonlySet<ServiceName>;
}

/** What one process runs: the records store always (every service reads it), the rest as chosen. */
export interface Services {
  records: Records;
  desk: ServiceDesk;
  broker?: Broker;
  api?: RunningApi;
  fleet?: Fleet;
  /** What an operator needs to know: addresses, files. */
  summary: string[];
  stop(): Promise<void>;
}

export interface Platform extends Services {
  broker: Broker;
  api: RunningApi;
}

/** Every service in one process (the default of `facility start`). */
export async function startPlatform(options: Omit<PlatformOptions, 'only'>): Promise<Platform> {
  return (await startServices(options)) as Platform;
}

/**
 * `service.<name>`, or `service.<name>-<copy>` for one of several copies (a rules worker, an API
 * replica's command sender; the broker allows a `-suffix`): each its own persistent session, as
 * copies sharing one client id would take it from each other.
 */
export function copyAccount<T extends { clientId: string }>(account: T, copy: string | undefined): T {
  return copy ? { ...account, clientId: `${account.clientId}-${copy}` } : account;
}

/**
 * Every service in one process: records and the service desk's clock, the broker, ingest, rules,
 * the API and (for the demo) a simulated estate. Services reach the broker over MQTT like any
 * other client, so each can also run alone against an external broker (FM_MQTT_URL); ingest and
 * rules read the broker's bus in-process when the broker is this process's own.
 */
export async function startServices({
  config,
  log,
  demo: demoAsked,
  demoFaults,
  only,
}: PlatformOptions): Promise<Services> {
  const has = (name: ServiceName) => !only || only.has(name);
  // Before anything starts: copies of ingest need a broker with shared subscriptions.
  const copyProblem = has('ingest') ? ingestCopyProblem(config) : undefined;
  if (copyProblem) throw new Error(copyProblem);
  // The simulated estate needs the whole pipeline beside it.
  const demo = demoAsked && SERVICES.every(has);
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
    // Before anything issues a secret: each one this process issues reaches mosquitto at once.
    const mosquitto = config.FM_MOSQUITTO_ADMIN_URL
      ? started(
          'mosquitto-sync',
          await (await import('./mosquitto/index.ts')).startDynsecSync({
            admin: {
              url: config.FM_MOSQUITTO_ADMIN_URL,
              username: config.FM_MOSQUITTO_ADMIN_USER,
              password: config.FM_MOSQUITTO_ADMIN_PASSWORD!,
            },
            records,
            serviceSecret: service.secret,
            log: log.child({ service: 'mosquitto-sync' }),
            checkMs: config.FM_MOSQUITTO_CHECK_S * 1000,
          }),
        )
      : undefined;
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
      clockLeaseTtlMs: config.FM_JOB_LEASE_TTL_S * 1000,
      plans: planSettings(config),
      ...(notify ? { outbox: notify.outbox } : {}),
    });
    if (notify) desk.onChange(() => notify.wake());
    // The breach watcher runs with the API, whose queue it times: one process of a split runs it.
    if (has('api')) desk.start();
    running.push({ name: 'desk', stop: async () => desk.stop() });
    // Registered before ingest and rules start, so they know the demo devices from their first message.
    const demoKit = demo ? await import('./demo/index.ts') : undefined;
    const credentials = demoKit
      ? await demoKit.provisionDemoEstate(records, config.FM_DATA_DIR, log.child({ service: 'demo' }))
      : [];
    const signIns: DemoSignIn[] = demoKit
      ? await demoKit.provisionDemoStaff(records, desk, config.FM_DATA_DIR, log.child({ service: 'demo' }))
      : [];
    if (demoKit) await demoKit.provisionDemoPlans(desk, log.child({ service: 'demo' }));

    let broker: Broker | undefined;
    if (has('broker')) {
      const { brokerOptionsFromConfig, startBroker } = await import('./broker/index.ts');
      broker = started(
        'broker',
        await startBroker({
          options: brokerOptionsFromConfig(config, (path) => readFileSync(path, 'utf8')),
          log: log.child({ service: 'broker' }),
          devices: records,
          serviceSecret: service.secret,
        }),
      );
    }
    const local = broker?.addresses.tcp;
    const mqttUrl = config.FM_MQTT_URL ?? (local && `mqtt://${local.host}:${local.port}`);
    // Beside its own broker a service reads the broker's bus; otherwise it is an MQTT client.
    const bus = inProcess ? broker?.bus : undefined;
    const account = (name: string) => ({
      url: mqttUrl ?? missingBroker(name),
      username: `service.${name}`,
      password: service.secret,
      clientId: `service.${name}`,
    });

    const ingestOptions = ingestOptionsFromConfig(config);
    const ingest = has('ingest')
      ? started(
          'ingest',
          await startIngest({
            options: ingestOptions,
            ...(bus ? { bus } : { mqtt: ingestMqttOptions(account('ingest'), config.FM_INGEST_COPY) }),
            log: log.child({ service: 'ingest' }),
            devices: records,
          }),
        )
      : undefined;
    const rules = has('rules')
      ? started(
          'rules',
          await startRules({
            options: rulesOptionsFromConfig(config),
            log: log.child({ service: 'rules' }),
            now: systemClock,
            records,
            desk,
            ...(bus ? { bus } : { mqtt: copyAccount(account('rules'), config.FM_RULES_WORKER_ID) }),
          }),
        )
      : undefined;
    // Commands to devices go out through the broker like any service's messages
    // (src/device-commands/); with the API that queues them.
    const target = ingestOptions.influx;
    let commands: CommandSender | undefined;
    let api: RunningApi | undefined;
    if (has('api')) {
      // Loaded only here: a process of a split without the API (a rules worker, a broker node) starts
      // without fastify and the console, and so comes back sooner after a restart.
      const [{ startCommandSender }, { apiOptionsFromConfig, startApi }] = await Promise.all([
        import('./device-commands/index.ts'),
        import('./api/index.ts'),
      ]);
      commands = started(
        'commands',
        await startCommandSender({
          db: records.db,
          log: log.child({ service: 'commands' }),
          now: systemClock,
          mqtt: copyAccount(account('commands'), config.FM_API_REPLICA_ID),
        }),
      );
      api = started(
        'api',
        await startApi({
          records,
          desk,
          serviceSecret: service.secret,
          log, // the app names itself service=api
          now: systemClock,
          options: apiOptionsFromConfig(config),
          influx: target ? (q) => influxQuery(target, q) : undefined,
          recentReadings: ingest?.recent,
          // /health and /metrics speak for the services this process runs, and only those.
          services: [
            ...probes({ broker, ingest, rules, commands }),
            ...probes({ notify }),
            ...(mosquitto ? [{ name: 'mosquitto-sync', health: () => mosquitto.health() }] : []),
          ],
          ingestRejects: ingest && (() => ingest.rejects()),
        }),
      );
    }

    const summary = [
      ...(only ? [`  services          ${SERVICES.filter(has).join(', ')} (--only)`] : []),
      ...(broker ? brokerLines(broker) : []),
      ...(api
        ? [
            `  API               ${api.address}  (OpenAPI page: ${api.address}/docs)`,
            `  console           ${api.address}/  (staff sign in; residents report at /r/<code>)`,
            `  admin token       ${config.FM_ADMIN_TOKEN ? 'FM_ADMIN_TOKEN' : `${config.FM_DATA_DIR}/admin-token`}`,
          ]
        : []),
      `  records           ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.FM_DATA_DIR}/records`}`,
      `  readings          ${target ? `InfluxDB ${target.url} (${target.mode})` : 'the last hour, in memory: set FM_INFLUX_URL to keep history (docs/ingest.md)'}`,
      `  service secret    ${service.file ?? 'FM_SERVICE_SECRET'}`,
    ];

    let fleet: Fleet | undefined;
    if (demoKit && mqttUrl && api) {
      const { DEMO_SITE, runDemoFleet, startDemoFaults } = demoKit;
      fleet = await runDemoFleet(mqttUrl, credentials, log.child({ service: 'simulator' }));
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
    if (demoAsked && !demo) log.info('no demo estate: it runs only with every service in one process');
    return { records, desk, broker, api, fleet, summary, stop: () => stopAll(running, order, log) };
  } catch (err) {
    await stopAll(running, order, log);
    throw err;
  }
}
