import type { Route } from '../records/service/index.ts';
import {
  deskOn,
  groupCommand,
  intOption,
  listOption,
  parseOptions,
  printListing,
  type Subcommand,
  siteAndJson,
  stringOptions,
  table,
  UsageError,
} from './support.ts';

const PLACE_KEYS = { building: 'building', area: 'area', device: 'deviceId', location: 'location' } as const;

/** `--point 'North gate;area=garden;location=by the barrier'`: a name, then key=value parts. */
function point(spec: string): Record<string, string> {
  const [name, ...parts] = spec.split(';').map((s) => s.trim());
  if (!name) throw new UsageError(`--point needs a name first, got "${spec}"`);
  const out: Record<string, string> = { name };
  for (const part of parts) {
    const m = /^(\w+)=(.+)$/.exec(part);
    const key =
      m && Object.hasOwn(PLACE_KEYS, m[1]!) ? PLACE_KEYS[m[1] as keyof typeof PLACE_KEYS] : undefined;
    if (!m || !key)
      throw new UsageError(`--point parts are building=, area=, device=, location=; got "${part}"`);
    out[key] = m[2]!;
  }
  return out;
}

function describeRoute(r: Route): string[] {
  const limit = r.timeLimitMin ? `${r.timeLimitMin} min` : 'the round_finish limit';
  const faults = r.faultKinds.length ? `, faulty ${r.faultKinds.join('/')} first` : '';
  const when = r.schedules.map((s) => `${s.starts} (${s.weekdays.join(',')})`).join(', ') || 'unscheduled';
  return [
    `${r.id} (${r.name}) at ${r.site}: ${r.trade}${r.zone ? `, zone ${r.zone}` : ''}, ${limit}${faults}; ${when}`,
    ...table([['SEQ', 'CODE', 'POINT'], ...r.checkpoints.map((c) => [String(c.seq), c.code, c.name])]).map(
      (l) => `  ${l}`,
    ),
  ];
}

const subcommands: Record<string, Subcommand> = {
  'add-route': {
    usage:
      "add-route ID --site S --name N --trade security|engineering --point 'NAME[;area=A][;building=B][;device=D]'...\n    [--zone Z] [--time-limit MIN] [--fault-kinds lighting,lift] [--lookback-hours 12]",
    about:
      "add an inspection route of checkpoints in walking order; each gets the code of its QR link\n(print them from the console's route page). --fault-kinds: devices of these kinds seen faulty head the list",
    parse: (args, ctx) => {
      const {
        values,
        args: [id],
      } = parseOptions(args, {
        strings: ['site', 'name', 'trade', 'zone', 'time-limit', 'fault-kinds', 'lookback-hours'],
        required: ['site', 'name', 'trade'],
        repeated: ['point'],
        args: ['ID'],
      });
      if (!values.point?.length) throw new UsageError('--point is required (one per checkpoint, in order)');
      const input = {
        site: values.site,
        id,
        name: values.name,
        trade: values.trade,
        zone: values.zone,
        timeLimitMin: intOption('time-limit', values['time-limit']),
        faultKinds: listOption(values['fault-kinds']),
        faultLookbackH: intOption('lookback-hours', values['lookback-hours']),
        checkpoints: values.point.map(point),
      };
      return async (records) => {
        const r = await deskOn(records, ctx).addRoute(input);
        ctx.out('route added:');
        for (const line of describeRoute(r)) ctx.out(line);
      };
    },
  },
  schedule: {
    usage: 'schedule --site S --route R --starts HH:MM [--weekdays 1,2,3,4,5]',
    about: "walk the route as a shift's round at this site-local time (default every day)",
    parse: (args, ctx) => {
      const { values } = stringOptions(
        args,
        ['site', 'route', 'starts', 'weekdays'],
        ['site', 'route', 'starts'],
      );
      const input = {
        site: values.site,
        route: values.route,
        starts: values.starts,
        weekdays: listOption(values.weekdays)?.map(Number),
      };
      return async (records) => {
        const s = await deskOn(records, ctx).addRoundSchedule(input);
        ctx.out(`schedule ${s.id}: route ${s.route} at ${s.starts}, weekdays ${s.weekdays.join(',')}`);
      };
    },
  },
  routes: {
    usage: 'routes --site S [--json]',
    about: "a site's routes, their checkpoints with codes, and schedules",
    parse: (args, ctx) => {
      const { site, json } = siteAndJson(args);
      return async (records) =>
        printListing(ctx, await deskOn(records, ctx).listRoutes(site), json, {
          empty: `no routes at ${site}; add one with \`facility rounds add-route\``,
          lines: describeRoute,
        });
    },
  },
  list: {
    usage: 'list [--site S] [--state due,in_progress,finished] [--json]',
    about: 'rounds, latest due first: who walks them, late or not, points confirmed',
    parse: (args, ctx) => {
      const { values } = parseOptions(args, { strings: ['site', 'state'], flags: ['json'] });
      const filter = { site: values.site, state: listOption(values.state) };
      return async (records) => {
        const desk = deskOn(records, ctx);
        await printListing(ctx, await desk.listRounds(filter), values.json, {
          empty: 'no rounds match',
          header: ['ID', 'SITE', 'ROUTE', 'DUE', 'STATE', 'LATE', 'POINTS', 'WHO'],
          row: (r) => [
            String(r.id),
            r.site,
            r.route,
            r.dueAt.toISOString(),
            r.state,
            r.late ? 'late' : '-',
            r.state === 'due' ? '-' : `${r.pointsConfirmed}/${r.pointsTotal}`,
            r.startedBy ?? r.assigneeId ?? '-',
          ],
        });
      };
    },
  },
};

/** `facility rounds ...` and its help (`facility rounds --help`, a subcommand's). */
export const { help, run } = groupCommand({
  name: 'rounds',
  subcommands,
  notes: 'rounds are walked on the phone page (/m/rounds); times are the site local time',
});
