import { parseArgs } from 'node:util';
import { type Clock, systemClock } from '../clock.ts';
import { RecordsError } from '../records/index.ts';
import {
  CredentialsError,
  type FleetCounts,
  loadCredentials,
  loadScenario,
  type ProvisionFleet,
  parseDuration,
  planFleet,
  runFleet,
  type Scenario,
  ScenarioError,
  type SimDevice,
} from '../simulators/index.ts';
import { ProvisionError } from './simulate-api.ts';
import type { CommandContext } from './usage.ts';
import { USAGE_EXIT, UsageError, usageLine, usageMessage } from './usage.ts';

/** `facility simulate --help` */
export const help = (): string => `usage: facility simulate [options]

  --site S             site id (default demo)
  --lifts N --pumps N --lighting N --cctv N
                       how many devices of each kind to provision and run
  --credentials FILE   run the devices in FILE instead: a JSON array of
                       {deviceId, kind, secret, site?, interval_s?, floors?, ...}
                       (FM_DATA_DIR/demo-credentials.json is one, for \`start --no-demo\`)
  --unregistered       invent secrets locally (only for a broker that lets anyone in)
  --scenario FILE      inject faults on a timeline (see docs/simulators.md)
  --url URL            broker (default mqtt://FM_MQTT_HOST:FM_MQTT_PORT)
  --speed N            simulated seconds per second (default 1)
  --duration D         stop after this much simulated time, e.g. 10m (default: until Ctrl-C)
  --seed N             replay a run exactly (default 1)
  --timezone TZ        the site's zone for daily profiles (default Asia/Shanghai)`;

export interface SimulateDeps {
  /** Registers a planned fleet and returns its devices with secrets (the records registry). */
  provisionFleet?: ProvisionFleet;
  /** Resolves when the run should stop early (tests); SIGINT/SIGTERM otherwise. */
  stopSignal?: Promise<void>;
  /** The wall clock the run starts from and the fleet runs on (default the system's). */
  clock?: Clock;
}

function count(name: string, value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 100_000)
    throw new UsageError(`--${name} must be a whole number from 0 to 100000`);
  return n;
}

/** Locally invented secrets: the fleet connects, but only a broker without device auth accepts it. */
export const unregisteredFleet: ProvisionFleet = async (counts, site) =>
  planFleet(counts, site).devices.map((d) => ({ ...d, secret: `unregistered-${d.deviceId}` }));

/** `facility simulate`, with the credentials source injected (cli.ts wires the registry). */
export function createSimulate(deps: SimulateDeps = {}): (ctx: CommandContext) => Promise<number> {
  return async (ctx) => {
    let plan: {
      site: string;
      scenario?: Scenario;
      speed: number;
      durationMs?: number;
      seed: number;
      url: string;
      timezone: string;
    };
    let devices: SimDevice[];
    let scenario: Scenario | undefined;
    try {
      const str = { type: 'string' } as const;
      const { values } = parseArgs({
        args: ctx.args,
        options: {
          site: str,
          lifts: str,
          pumps: str,
          lighting: str,
          cctv: str,
          credentials: str,
          scenario: str,
          url: str,
          speed: str,
          duration: str,
          seed: str,
          timezone: str,
          unregistered: { type: 'boolean' },
        },
      });
      const credentials = values.credentials ? loadCredentials(values.credentials) : undefined;
      // The file's own site (the demo's says "demo") unless the command line names one.
      const site = values.site ?? credentials?.site ?? 'demo';
      const speed = Number(values.speed ?? 1);
      if (!(speed > 0 && speed <= 10_000))
        throw new UsageError('--speed must be a number above 0, at most 10000');
      const durationMs = values.duration === undefined ? undefined : parseDuration(values.duration);
      if (values.duration !== undefined && !durationMs)
        throw new UsageError(`--duration "${values.duration}" is not a duration such as 90s, 10m, 2h`);
      const counts: FleetCounts = {
        lifts: count('lifts', values.lifts),
        pumps: count('pumps', values.pumps),
        lighting: count('lighting', values.lighting),
        cctv: count('cctv', values.cctv),
      };
      const total = counts.lifts + counts.pumps + counts.lighting + counts.cctv;
      if (credentials) {
        if (total > 0)
          throw new UsageError('--credentials runs the devices in the file; leave out the counts');
        devices = credentials.devices;
      } else {
        if (total === 0)
          throw new UsageError(
            'say how many devices: --lifts, --pumps, --lighting, --cctv (or --credentials FILE)',
          );
        const provision = values.unregistered ? unregisteredFleet : deps.provisionFleet;
        if (!provision)
          throw new UsageError(
            'no registry to issue device secrets here: pass --credentials FILE, or --unregistered for a broker without device auth',
          );
        // The scenario is checked before any device is registered or has its secret rotated.
        scenario = values.scenario ? loadScenario(values.scenario) : undefined;
        devices = await provision(counts, site).catch((err: unknown) => {
          // A registry that cannot be opened (PostgreSQL down, a damaged data directory) is a
          // refusal to report in one line, like the API's; a bad command line stays exit 2.
          if (err instanceof UsageError || err instanceof ProvisionError) throw err;
          throw new ProvisionError(`cannot register the fleet: ${(err as Error).message}`);
        });
      }
      plan = {
        site,
        speed,
        durationMs,
        seed: Number(values.seed ?? 1),
        scenario: scenario ?? (values.scenario ? loadScenario(values.scenario) : undefined),
        url: values.url ?? `mqtt://${ctx.config.FM_MQTT_HOST}:${ctx.config.FM_MQTT_PORT}`,
        timezone: values.timezone ?? 'Asia/Shanghai',
      };
    } catch (err) {
      if (err instanceof ScenarioError || err instanceof CredentialsError) {
        ctx.err(`facility: ${err.message}`);
        return 2;
      }
      if (err instanceof ProvisionError || err instanceof RecordsError) {
        // Refused by the registry or the running platform: say why in one line.
        ctx.err(`facility: ${err.message}`);
        return 1;
      }
      const message = usageMessage(err);
      if (message === undefined) throw err;
      ctx.err(usageLine('facility simulate', message));
      return USAGE_EXIT;
    }
    const log = ctx.log.child({ service: 'simulator' });
    const clock = deps.clock ?? systemClock;
    const now = clock();
    // A fast run replays the recent past and ends at the present, so device timestamps are never
    // in the future (ingest replaces those with its receive time).
    const start =
      plan.durationMs && plan.speed > 1 ? now - plan.durationMs + plan.durationMs / plan.speed : now;
    if (plan.speed > 1 && !plan.durationMs)
      log.warn('--speed without --duration: device clocks will run ahead of the broker');
    let fleet: Awaited<ReturnType<typeof runFleet>>;
    try {
      fleet = await runFleet({
        brokerUrl: plan.url,
        site: plan.site,
        devices,
        scenario: plan.scenario,
        log,
        clock,
        speed: plan.speed,
        start,
        seed: plan.seed,
        timezone: plan.timezone,
      });
    } catch (err) {
      ctx.err(`facility: ${(err as Error).message}`);
      return 2;
    }
    ctx.out(
      `simulating ${devices.length} devices of site ${plan.site} against ${plan.url} at ${plan.speed}x`,
    );
    const report = setInterval(() => log.info(fleet.stats(), 'fleet'), 10_000);
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
      deps.stopSignal?.then(done);
      if (plan.durationMs) setTimeout(done, plan.durationMs / plan.speed).unref();
    });
    clearInterval(report);
    await fleet.stop();
    const s = fleet.stats();
    ctx.out(
      `published ${s.published}, failed ${s.failed}, dropped ${s.dropped}, connect errors ${s.connectErrors}, faults applied ${s.faultsApplied}`,
    );
    const never = s.devices - s.everConnected;
    if (never === 0) return 0;
    const why = s.lastConnectError ? ` (last error: ${s.lastConnectError})` : '';
    if (s.everConnected === 0) {
      // Nothing was simulated: a script or CI job running this must see a failure.
      ctx.err(`facility: no device could connect to ${plan.url}${why}`);
      return 1;
    }
    ctx.err(`facility: ${never} of ${s.devices} devices never connected to ${plan.url}${why}`);
    return 0;
  };
}

/** `facility simulate` with file credentials only, until cli.ts injects the registry. */
export const run = createSimulate();
