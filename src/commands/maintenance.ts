import { parseArgs } from 'node:util';
import { dateOf, systemClock } from '../clock.ts';
import type { MaintenanceWindow } from '../records/index.ts';
import {
  dispatch,
  type Group,
  groupHelp,
  listOption,
  positionals,
  type Subcommand,
  stringOptions,
  table,
  timeOption,
  UsageError,
} from './support.ts';
import type { CommandContext } from './usage.ts';

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
      const { values } = parseArgs({
        args,
        options: { site: { type: 'string' }, state: { type: 'string' }, json: { type: 'boolean' } },
      });
      const filter = {
        site: values.site,
        state: listOption(values.state) as MaintenanceWindow['state'][],
        limit: 500,
      };
      return async (records) => {
        const { windows } = await records.listMaintenanceWindows(filter);
        if (values.json) return ctx.out(JSON.stringify(windows, null, 2));
        if (windows.length === 0) return ctx.out('no maintenance windows match');
        const rows = windows.map((w) => [
          String(w.id),
          w.site,
          w.scope,
          w.target ?? '*',
          w.startsAt.toISOString(),
          w.endsAt.toISOString(),
          w.state,
          w.note ?? '',
        ]);
        const header = ['ID', 'SITE', 'SCOPE', 'TARGET', 'STARTS', 'ENDS', 'STATE', 'NOTE'];
        for (const line of table([header, ...rows])) ctx.out(line.trimEnd());
      };
    },
  },
  end: {
    usage: 'end ID [--cancel] [--by NAME]',
    about: 'end an active window now, or cancel one not yet begun',
    parse: (args, ctx) => {
      const { values, positionals: pos } = parseArgs({
        args,
        allowPositionals: true,
        options: { cancel: { type: 'boolean' }, by: { type: 'string' } },
      });
      const [raw] = positionals(pos, ['ID']);
      if (!/^\d+$/.test(raw)) throw new UsageError(`ID must be a window number, got "${raw}"`);
      const by = values.by ?? 'cli';
      return async (records) => {
        const w = values.cancel
          ? await records.cancelMaintenanceWindow(Number(raw), by)
          : await records.endMaintenanceWindow(Number(raw), by);
        ctx.out(`maintenance window ${w.id} ${w.state}: ${describe(w)}`);
      };
    },
  },
};

const group: Group = {
  name: 'maintenance',
  subcommands,
  notes:
    'times are ISO 8601 with an offset: 2025-03-03T18:00:00+08:00; --for takes minutes, hours or days: 90m, 2h, 1d',
};

/** `facility maintenance --help` and its subcommands' help. */
export const help = (args: string[]): string => groupHelp(group, args);

/** `facility maintenance ...` */
export function run(ctx: CommandContext): Promise<number> {
  return dispatch(ctx, group);
}
