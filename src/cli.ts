import { closest } from './closest.ts';
import {
  type CommandContext,
  USAGE_EXIT,
  usageLine,
  usageMessage,
  version,
  wantsHelp,
} from './commands/index.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { tightenDataDir } from './data-dir.ts';
import { createLogger } from './log.ts';

export type { CommandContext } from './commands/index.ts';

type Command = (ctx: CommandContext) => Promise<number>;

/** A command's module, imported only when that command runs (the platform's services are heavy). */
interface CommandModule {
  /** The command's help; `args` picks a subcommand's where it has them. */
  help: (args: string[]) => string;
  run: Command;
}

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  config: {
    summary: 'config                 check the configuration, its files and connections; print it',
    load: () => import('./commands/config.ts'),
  },
  start: {
    summary:
      'start [--only LIST]    run every service in one process, or some (and the simulated demo estate)',
    load: () => import('./commands/start.ts'),
  },
  sites: {
    summary:
      'sites ...              estates, their buildings and areas (add, list, show, add-building, add-area)',
    load: () => import('./commands/sites.ts'),
  },
  devices: {
    summary:
      'devices ...            register devices, manage their secrets, send them commands (add, list, rotate, revoke, command, commands)',
    load: () => import('./commands/devices.ts'),
  },
  staff: {
    summary: 'staff ...              the people dispatch hands slips to (add, list, deactivate)',
    load: () => import('./commands/staff.ts'),
  },
  duty: {
    summary: 'duty ...               the duty table: shifts, and who is on duty now (add, list, now, end)',
    load: () => import('./commands/duty.ts'),
  },
  maintenance: {
    summary: 'maintenance ...        planned maintenance that holds device faults back (add, list, end)',
    load: () => import('./commands/maintenance.ts'),
  },
  zones: {
    summary: 'zones ...              zones of a site and their responsible people (add, set, list)',
    load: () => import('./commands/zones.ts'),
  },
  rounds: {
    summary:
      'rounds ...             inspection routes, schedules and rounds (add-route, schedule, routes, list)',
    load: () => import('./commands/rounds.ts'),
  },
  plans: {
    summary:
      "plans ...              maintenance plans, their calendar and jobs' checklists (add, list, end, calendar, checklist, check)",
    load: () => import('./commands/plans.ts'),
  },
  ingest: {
    summary: 'ingest rejects         what ingest refused lately, from the running platform',
    load: () => import('./commands/ingest.ts'),
  },
  mosquitto: {
    summary: "mosquitto dynsec-file  write mosquitto's dynamic security file from the registry",
    load: () => import('./commands/mosquitto.ts'),
  },
  simulate: {
    summary: 'simulate ...           run a simulated fleet of registered devices (see docs/simulators.md)',
    load: async () => {
      const { createSimulate, help } = await import('./commands/simulate.ts');
      const { registryProvisioner } = await import('./commands/simulate-registry.ts');
      return {
        help,
        run: (ctx) =>
          createSimulate({
            provisionFleet: registryProvisioner(ctx.config, ctx.log.child({ service: 'records' })),
          })(ctx),
      };
    },
  },
};

const USAGE = `usage: facility <command> [options]

${Object.values(commands)
  .map((c) => `  ${c.summary}`)
  .join('\n')}

  --help, -h             this help; \`facility <command> --help\` shows a command's
  --version              the version

Settings are environment variables (FM_*), listed in docs/configuration.md.`;

/** Where the command line writes: the process's stdout and stderr, or a test's buffers. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function unknownCommand(name: string): string {
  if (name.startsWith('-')) return `unknown option "${name}"`;
  const guess = closest(name, Object.keys(commands));
  return `unknown command "${name}"${guess ? `; did you mean "${guess}"?` : ''}`;
}

/** Entry point: returns the process exit code. Command output goes to stdout, everything else to stderr. */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  { out: stdout, err: stderr }: Io = processIo,
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V' || first === 'version') {
    stdout(version());
    return 0;
  }
  if (first === undefined) {
    stderr(USAGE);
    return USAGE_EXIT;
  }
  // `facility help sites add` is `facility sites add --help`.
  const asHelp = first === 'help' || first === '--help' || first === '-h';
  const [name, args] = asHelp ? [rest[0], rest.slice(1)] : [first, rest];
  if (name === undefined) {
    stdout(USAGE);
    return 0;
  }
  const entry = commands[name];
  if (!entry) {
    stderr(usageLine('facility', unknownCommand(name)));
    return USAGE_EXIT;
  }
  const command = await entry.load();
  // Help needs no configuration: it answers even while a setting is wrong.
  if (asHelp || wantsHelp(args)) {
    stdout(command.help(args));
    return 0;
  }
  let config: Config;
  const warnings: string[] = [];
  try {
    config = loadConfig(env, { warn: (w) => warnings.push(w) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const warning of warnings) stderr(`facility: warning: ${warning}`);
    stderr(`facility: bad configuration: ${err.message}`);
    return 1;
  }
  const log = createLogger({ level: config.FM_LOG_LEVEL, format: config.FM_LOG_FORMAT });
  for (const warning of warnings) log.warn(warning);
  try {
    return await command.run({ config, log, args, out: stdout, err: stderr });
  } catch (err) {
    const message = usageMessage(err);
    if (message === undefined) throw err;
    stderr(usageLine(`facility ${name}`, message));
    return USAGE_EXIT;
  } finally {
    tightenDataDir(config.FM_DATA_DIR);
  }
}
