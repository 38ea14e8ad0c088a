import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tightenDataDir } from '../data-dir.ts';
import type { Services } from '../platform.ts';
import {
  ingestCopyProblem,
  parseServices,
  SERVICES,
  type ServiceName,
  selectionProblem,
} from '../services.ts';
import { startFailure } from './start-failure.ts';
import { type CommandContext, UsageError, version } from './usage.ts';

const STATUS_MS = 60_000;

/** `facility start --help` */
export const help = (): string => `usage: facility start [--no-demo] [--only ${SERVICES.join(',')}]

Runs every service in one process: the MQTT broker, ingest, rules, the service desk's clock and
the API, and (unless --no-demo or FM_DEMO=false) a simulated demo estate. Prints where each one
listens; Ctrl-C (or SIGTERM) stops them in reverse order. Settings: docs/configuration.md.

  --no-demo              no demo estate and no simulated fleet
  --only LIST            only these services, a comma list of ${SERVICES.join(', ')}
                         (scale-out: docs/deploy.md); ingest and rules without the broker
                         connect to FM_MQTT_URL; the desk's clock runs with api; no demo`;

function nextSignal(): Promise<NodeJS.Signals> {
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

/** `facility start`: every service in one process; Ctrl-C (or SIGTERM) stops them in reverse order. */
export async function run(ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: ctx.args,
    options: { 'no-demo': { type: 'boolean' }, only: { type: 'string' } },
  });
  const { config, log } = ctx;
  let only: ReadonlySet<ServiceName> | undefined;
  if (values.only !== undefined) {
    const parsed = parseServices(values.only);
    if ('problem' in parsed) throw new UsageError(parsed.problem);
    only = parsed.services;
    const problem = selectionProblem(only, config);
    if (problem) {
      ctx.err(`facility: bad configuration: ${problem}`);
      return 1;
    }
  }
  const copyProblem = !only || only.has('ingest') ? ingestCopyProblem(config) : undefined;
  if (copyProblem) {
    ctx.err(`facility: bad configuration: ${copyProblem}`);
    return 1;
  }
  const signal = nextSignal();
  // Said at once, before the seconds the records database takes to open (more on a first start,
  // which creates the embedded one).
  const creating = !config.DATABASE_URL && !existsSync(join(config.FM_DATA_DIR, 'records'));
  log.info(
    { version: version(), records: config.DATABASE_URL ? 'postgresql' : 'embedded' },
    creating ? 'starting; creating the embedded records database (a first start takes longer)' : 'starting',
  );
  let platform: Services;
  try {
    // Loaded after the line above: the services' modules take a moment of their own.
    const { startServices } = await import('../platform.ts');
    platform = await startServices({ config, log, demo: config.FM_DEMO && !values['no-demo'], only });
  } catch (err) {
    const known = startFailure(err, config);
    if (known) log.fatal(known.fields, `could not start: ${known.message}`);
    else log.fatal({ err }, 'could not start');
    return 1;
  }
  // The embedded database's first files are extracted world-readable; make them private now.
  tightenDataDir(config.FM_DATA_DIR);
  ctx.out(
    ['facility-monitor is running', ...platform.summary, 'Ctrl-C stops everything cleanly.'].join('\n'),
  );
  // A heartbeat line for the operator watching the terminal.
  const broker = platform.broker;
  const status = setInterval(() => {
    if (!broker) return;
    const b = broker.counters();
    log.info(
      { clients: b.clientsConnected, messagesIn: b.messagesIn, refusals: b.refusals, drops: b.drops },
      'status',
    );
  }, STATUS_MS);
  const received = await signal;
  clearInterval(status);
  log.info({ signal: received }, 'stopping');
  await platform.stop();
  return 0;
}
