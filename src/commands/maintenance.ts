import { dateOf, systemClock } from '../clock.ts';
import type { MaintenanceWindow } from '../records/index.ts';
import {
  groupCommand,
  listOption,
  numberArg,
  parseOptions,
  printListing,
  type Subcommand,
  stringOptions,
  timeOption,
  UsageError,
} from './support.ts';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function describe(w: MaintenanceWindow): string {
  const what = w.scope === 'site' ? 'the whole site' : `${w.scope} ${w.target}`;
  return `${what} at ${w.site}, ${w.startsAt.toISOString()} to ${w.endsAt.toISOString()} (${w.state})`;
}

const subcommands: Record<string, Subcommand> = {
  add: {
    usage:
      'add --site S --scope site|building|area|device [--target ID] [--starts ISO] (--ends ISO | --for 2h)\n    [--note TEXT] [--by NAME]',
    about:
      "plan maintenance: rules raises no faults of the covered devices\n(starts default now; an area covers its building's devices)",
    parse: (args, ctx) => {
      const { values } = stringOptions(
        args,
        ['site', 'scope', 'target', 'starts', 'ends', 'for', 'note', 'by'],
        ['site', 'scope'],
      );
      if ((values.ends === undefined) === (values.for === undefined))
        throw new UsageError('give exactly one of --ends and --for');
      const duration = values.for === undefined ? undefined : /^(\d+)([mhd])$/.exec(values.for);
      if (duration === null) throw new UsageError(`--for must look like 90m, 2h or 1d, got "${values.for}"`);
      const startsAt = timeOption('starts', values.starts) ?? dateOf(systemClock);
      const endsAt = duration
        ? new Date(startsAt.getTime() + Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS])
        : timeOption('ends', values.ends)!;
      return async (records) => {
        const w = await records.addMaintenanceWindow({
          site: values.site,
          scope: values.scope,
          target: values.target,
          startsAt,
          endsAt,
          note: values.note,
          createdBy: values.by ?? 'cli',
        });
        ctx.out(`maintenance window ${w.id} added: ${describe(w)}`);
      };
    },
  },
  list: {
    usage: 'list [--site S] [--state planned,active,ended,cancelled] [--json]',
    about: 'maintenance windows, newest first',
    parse: (args, ctx) => {
      const { values } = parseOptions(args, { strings: ['site', 'state'], flags: ['json'] });
      const filter = {
        site: values.site,
        state: listOption(values.state) as MaintenanceWindow['state'][],
        limit: 500,
      };
      return async (records) =>
        printListing(ctx, (await records.listMaintenanceWindows(filter)).windows, values.json, {
          empty: 'no maintenance windows match',
          header: ['ID', 'SITE', 'SCOPE', 'TARGET', 'STARTS', 'ENDS', 'STATE', 'NOTE'],
          row: (w) => [
            String(w.id),
            w.site,
            w.scope,
            w.target ?? '*',
            w.startsAt.toISOString(),
            w.endsAt.toISOString(),
            w.state,
            w.note ?? '',
          ],
          trim: true,
        });
    },
  },
  end: {
    usage: 'end ID [--cancel] [--by NAME]',
    about: 'end an active window now, or cancel one not yet begun',
    parse: (args, ctx) => {
      const {
        values,
        args: [raw],
      } = parseOptions(args, { strings: ['by'], flags: ['cancel'], args: ['ID'] });
      const id = numberArg(raw, 'ID', 'a window number');
      const by = values.by ?? 'cli';
      return async (records) => {
        const w = values.cancel
          ? await records.cancelMaintenanceWindow(id, by)
          : await records.endMaintenanceWindow(id, by);
        ctx.out(`maintenance window ${w.id} ${w.state}: ${describe(w)}`);
      };
    },
  },
};

/** `facility maintenance ...` and its help (`facility maintenance --help`, a subcommand's). */
export const { help, run } = groupCommand({
  name: 'maintenance',
  subcommands,
  notes:
    'times are ISO 8601 with an offset: 2025-03-03T18:00:00+08:00; --for takes minutes, hours or days: 90m, 2h, 1d',
});
