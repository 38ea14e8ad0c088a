import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { createLogger, type Logger } from './log.ts';

/** What every command gets: the parsed configuration and the root logger. Only this file reads the environment. */
export interface CommandContext {
  config: Config;
  log: Logger;
  args: string[];
  out: (line: string) => void;
  /** Messages for the operator (stderr). */
  err: (line: string) => void;
}

type Command = (ctx: CommandContext) => Promise<number>;

const commands: Record<string, { run: () => Promise<Command>; help: string }> = {
  config: {
    run: async () => printConfig,
    help: 'config                 check the configuration and print it',
  },
  start: {
    run: async () => (await import('./commands/start.ts')).run,
    help: 'start [--no-demo]      run every service in one process (and the simulated demo estate)',
  },
  sites: {
    run: async () => (await import('./commands/sites.ts')).run,
    help: 'sites ...              estates, their buildings and areas (add, list, show, add-building, add-area)',
  },
  devices: {
    run: async () => (await import('./commands/devices.ts')).run,
    help: 'devices ...            register devices and manage their secrets (add, list, rotate, revoke)',
  },
  staff: {
    run: async () => (await import('./commands/staff.ts')).run,
    help: 'staff ...              the people dispatch hands slips to (add, list, deactivate)',
  },
  duty: {
    run: async () => (await import('./commands/duty.ts')).run,
    help: 'duty ...               the duty table: shifts, and who is on duty now (add, list, now, end)',
  },
  maintenance: {
    run: async () => (await import('./commands/maintenance.ts')).run,
    help: 'maintenance ...        planned maintenance that holds device faults back (add, list, end)',
  },
  ingest: {
    run: async () => (await import('./commands/ingest.ts')).run,
    help: 'ingest rejects         what ingest refused lately, from the running platform',
  },
  simulate: {
    run: async () => {
      const { createSimulate } = await import('./commands/simulate.ts');
      const { registryProvisioner } = await import('./commands/simulate-registry.ts');
      return (ctx) =>
        createSimulate({
          provisionFleet: registryProvisioner(ctx.config, ctx.log.child({ service: 'records' })),
        })(ctx);
    },
    help: 'simulate ...           run a simulated fleet of registered devices (see docs/simulators.md)',
  },
};

const USAGE = `usage: facility <command> [options]\n\n${Object.values(commands)
  .map((c) => `  ${c.help}`)
  .join('\n')}\n`;

async function printConfig(ctx: CommandContext): Promise<number> {
  const hide = (v: string | undefined) => (v ? '***' : undefined);
  const { config } = ctx;
  const redacted = {
    ...config,
    FM_SERVICE_SECRET: hide(config.FM_SERVICE_SECRET),
    FACILITY_ADMIN_TOKEN: hide(config.FACILITY_ADMIN_TOKEN),
    FM_INFLUX_TOKEN: hide(config.FM_INFLUX_TOKEN),
    FM_INFLUX_PASSWORD: hide(config.FM_INFLUX_PASSWORD),
    DATABASE_URL: config.DATABASE_URL?.replace(/:[^:@/]*@/, ':***@'),
  };
  ctx.out(JSON.stringify(redacted, null, 2));
  return 0;
}

/** Entry point: returns the process exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`facility: unknown command "${name}"\n\n${USAGE}`);
    return 1;
  }
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`facility: bad configuration: ${err.message}\n`);
    return 1;
  }
  const log = createLogger({ level: config.FM_LOG_LEVEL, format: config.FM_LOG_FORMAT });
  const run = await command.run();
  return run({
    config,
    log,
    args,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}

export { parseArgs };
