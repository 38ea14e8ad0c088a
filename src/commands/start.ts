import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tightenDataDir } from '../data-dir.ts';
import type { Platform } from '../platform.ts';
import { startFailure } from './start-failure.ts';
import type { CommandContext } from './usage.ts';
import { version } from './usage.ts';

const STATUS_MS = 60_000;

/** `facility start --help` */
export const help = (): string => `usage: facility start [--no-demo]

Runs every service in one process: the MQTT broker, ingest, rules, the service desk's clock and
the API, and (unless --no-demo or FM_DEMO=false) a simulated demo estate. Prints where each one
listens; Ctrl-C (or SIGTERM) stops them in reverse order. Settings: docs/configuration.md.

  --no-demo              no demo estate and no simulated fleet`;

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
  const { values } = parseArgs({ args: ctx.args, options: { 'no-demo': { type: 'boolean' } } });
  const { config, log } = ctx;
  const signal = nextSignal();
  // Said at once, before the seconds the records database takes to open (more on a first start,
  // which creates the embedded one).
  const creating = !config.DATABASE_URL && !existsSync(join(config.FM_DATA_DIR, 'records'));
  log.info(
    { version: version(), records: config.DATABASE_URL ? 'postgresql' : 'embedded' },
    creating ? 'starting; creating the embedded records database (a first start takes longer)' : 'starting',
  );
  let platform: Platform;
  try {
    // Loaded after the line above: the services' modules take a moment of their own.
    const { startPlatform } = await import('../platform.ts');
    platform = await startPlatform({ config, log, demo: config.FM_DEMO && !values['no-demo'] });
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
  const status = setInterval(() => {
    const b = platform.broker.counters();
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
