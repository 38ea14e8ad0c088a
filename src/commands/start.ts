import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { brokerOptionsFromConfig, startBroker } from '../broker/index.ts';
import type { CommandContext } from '../cli.ts';
import { DEMO_BUILDINGS, DEMO_SITE } from '../demo/estate.ts';
import { provisionDemoEstate } from '../demo/provision.ts';
import type { Logger } from '../log.ts';
import { openRecords } from '../records/index.ts';
import { loadServiceSecret } from '../service-secret.ts';
import { runFleet } from '../simulators/index.ts';

interface Running {
  name: string;
  stop(): Promise<void>;
}

/** Stops services in reverse order of start; one failing stop is logged and the rest still stop. */
async function stopAll(running: Running[], log: Logger): Promise<void> {
  for (const service of running.toReversed()) {
    try {
      await service.stop();
      log.debug({ service: service.name }, 'stopped');
    } catch (err) {
      log.error({ err, service: service.name }, 'failed to stop cleanly');
    }
  }
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** `facility start`: every service in one process on the configured (by default embedded) stores. */
export async function run(ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({ args: ctx.args, options: { 'no-demo': { type: 'boolean' } } });
  const { config, log } = ctx;
  const demo = config.FM_DEMO && !values['no-demo'];
  const running: Running[] = [];
  const signal = waitForSignal();
  try {
    const service = loadServiceSecret(config.FM_SERVICE_SECRET, config.FM_DATA_DIR);
    const records = await openRecords({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.FM_DATA_DIR,
      log: log.child({ service: 'records' }),
    });
    running.push({ name: 'records', stop: () => records.close() });

    const broker = await startBroker({
      options: brokerOptionsFromConfig(config, (path) => readFileSync(path, 'utf8')),
      log: log.child({ service: 'broker' }),
      devices: records,
      serviceSecret: service.secret,
    });
    running.push({ name: 'broker', stop: () => broker.stop() });
    const { tcp } = broker.addresses;

    const lines = [
      'facility-monitor is running',
      `  MQTT (TCP)        mqtt://${tcp.host}:${tcp.port}`,
      `  MQTT (WebSocket)  ws://${broker.addresses.ws.host}:${broker.addresses.ws.port}/mqtt`,
    ];
    if (broker.addresses.tls)
      lines.push(`  MQTT (TLS)        mqtts://${broker.addresses.tls.host}:${broker.addresses.tls.port}`);
    lines.push(
      `  records           ${config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.FM_DATA_DIR}/records`}`,
      `  service secret    ${service.file ?? 'FM_SERVICE_SECRET'}`,
    );

    if (demo) {
      const credentials = await provisionDemoEstate(
        records,
        config.FM_DATA_DIR,
        log.child({ service: 'demo' }),
      );
      const floors = new Map(DEMO_BUILDINGS.map((b) => [b.id, b]));
      const fleet = await runFleet({
        brokerUrl: `mqtt://${tcp.host}:${tcp.port}`,
        site: DEMO_SITE.id,
        timezone: DEMO_SITE.timezone,
        log: log.child({ service: 'simulator' }),
        devices: credentials.map((c) => ({
          deviceId: c.deviceId,
          kind: c.kind,
          secret: c.secret,
          interval_s: c.intervalS,
          building: c.building,
          floors: c.building ? floors.get(c.building)?.floors : undefined,
          basements: c.building ? floors.get(c.building)?.basements : undefined,
          // Only the towers' stair circuits have emergency luminaires.
          emergency: c.kind === 'lighting' ? c.building !== undefined : undefined,
        })),
      });
      running.push({ name: 'simulator', stop: () => fleet.stop() });
      lines.push(
        `  demo estate       site "${DEMO_SITE.id}": ${credentials.length} simulated devices (credentials in ${config.FM_DATA_DIR}/demo-credentials.json; --no-demo to skip)`,
      );
    }
    lines.push('Ctrl-C stops everything cleanly.');
    ctx.out(lines.join('\n'));
    const received = await signal;
    log.info({ signal: received }, 'stopping');
    return 0;
  } catch (err) {
    log.fatal({ err }, 'could not start');
    return 1;
  } finally {
    await stopAll(running, log);
  }
}
