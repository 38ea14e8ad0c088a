import type { Shift } from '../records/service/index.ts';
import {
  deskOn,
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

function weekdays(value: string | undefined): number[] | undefined {
  const list = listOption(value);
  if (list?.some((d) => !/^\d$/.test(d)))
    throw new UsageError(`--weekdays must be digits 1-7, got "${value}"`);
  return list?.map(Number);
}

function describe(s: Shift): string {
  const days = s.weekdays.length === 7 ? 'every day' : `weekdays ${s.weekdays.join(',')}`;
  const valid = [
    s.validFrom && `from ${s.validFrom.toISOString()}`,
    s.validUntil && `until ${s.validUntil.toISOString()}`,
  ]
    .filter(Boolean)
    .join(' ');
  return `${s.staffId} for ${s.trade} at ${s.site}${s.area ? ` area ${s.area}` : ''}, ${s.starts}-${s.ends} ${days}${valid ? `, ${valid}` : ''}`;
}

const VIA = {
  zone: "on duty, the zone's responsible person",
  shift: 'on duty',
  supervisor: 'nobody is on duty; the trade supervisor',
} as const;

const subcommands: Record<string, Subcommand> = {
  add: {
    usage:
      'add --site S --staff ID --trade T --starts HH:MM --ends HH:MM [--area A] [--weekdays 1,2,3,4,5]\n    [--from ISO] [--until ISO]',
    about:
      'add a recurring shift (site local time; an end at or before the start runs past midnight;\nweekdays 1 = Monday, default all)',
    parse: (args, ctx) => {
      const { values } = stringOptions(
        args,
        ['site', 'staff', 'trade', 'starts', 'ends', 'area', 'weekdays', 'from', 'until'],
        ['site', 'staff', 'trade', 'starts', 'ends'],
      );
      const input = {
        site: values.site,
        staffId: values.staff,
        trade: values.trade,
        area: values.area,
        weekdays: weekdays(values.weekdays),
        starts: values.starts,
        ends: values.ends,
        from: timeOption('from', values.from),
        until: timeOption('until', values.until),
      };
      return async (records) => {
        const s = await deskOn(records, ctx).addShift(input);
        ctx.out(`shift ${s.id} added: ${describe(s)}`);
      };
    },
  },
  list: {
    usage: 'list [--site S] [--trade T] [--staff ID] [--json]',
    about: 'the shifts of the duty table, ended ones included',
    parse: (args, ctx) => {
      const { values } = parseOptions(args, { strings: ['site', 'trade', 'staff'], flags: ['json'] });
      const filter = { site: values.site, trade: values.trade, staffId: values.staff };
      return async (records) =>
        printListing(ctx, await deskOn(records, ctx).listShifts(filter), values.json, {
          empty: 'no shifts match; add one with `facility duty add`',
          header: ['ID', 'SITE', 'TRADE', 'AREA', 'HOURS', 'WEEKDAYS', 'ENDS', 'STAFF'],
          row: (s) => [
            String(s.id),
            s.site,
            s.trade,
            s.area ?? '*',
            `${s.starts}-${s.ends}`,
            s.weekdays.join(','),
            s.validUntil ? `until ${s.validUntil.toISOString()}` : '-',
            s.staffId,
          ],
        });
    },
  },
  now: {
    usage: 'now --site S --trade T [--building B] [--area A] [--at ISO]',
    about: "who a dispatch would pick: the place's zone person on duty, on duty, else the trade supervisor",
    parse: (args, ctx) => {
      const { values } = stringOptions(args, ['site', 'trade', 'building', 'area', 'at'], ['site', 'trade']);
      const at = values.at === undefined ? undefined : new Date(values.at);
      if (at && Number.isNaN(at.getTime()))
        throw new UsageError(`--at must be an ISO 8601 time, got "${values.at}"`);
      return async (records) => {
        const pick = await deskOn(records, ctx).dutyNow({
          site: values.site,
          trade: values.trade,
          area: values.area,
          building: values.building,
          at,
        });
        const person = pick.staff;
        const who = person
          ? `${person.id} (${person.name}${person.phone ? `, ${person.phone}` : ''})`
          : pick.staffId;
        ctx.out(
          `${who}: ${VIA[pick.via]}${pick.zone ? ` (zone ${pick.zone})` : ''} for ${values.trade} at ${values.site}${values.area ? ` area ${values.area}` : ''}, ${pick.at.toISOString()}`,
        );
      };
    },
  },
  end: {
    usage: 'end ID [--until ISO] [--by NAME]',
    about: 'end a shift now (or at --until); it stays in the table',
    parse: (args, ctx) => {
      const {
        values,
        args: [raw],
      } = stringOptions(args, ['until', 'by'], [], ['ID']);
      const id = numberArg(raw, 'ID', 'a shift number');
      const until = timeOption('until', values.until);
      return async (records) => {
        const s = await deskOn(records, ctx).endShift(id, { until, by: values.by ?? 'cli' });
        ctx.out(`shift ${s.id} ends ${s.validUntil!.toISOString()}: ${describe(s)}`);
      };
    },
  },
};

/** `facility duty ...` and its help (`facility duty --help`, a subcommand's). */
export const { help, run } = groupCommand({
  name: 'duty',
  subcommands,
  notes: 'times are ISO 8601 with an offset: 2025-03-03T18:00:00+08:00',
});
