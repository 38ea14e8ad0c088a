import { parseArgs } from 'node:util';
import type { Zone } from '../records/service/index.ts';
import {
  deskOn,
  dispatch,
  type Group,
  groupHelp,
  listOption,
  positionals,
  type Subcommand,
  table,
  UsageError,
} from './support.ts';
import type { CommandContext } from './usage.ts';

/** `--people engineering=eng-1,eng-2` (repeated per trade) as the desk's { trade: [ids] }. */
function people(values: string[] | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of values ?? []) {
    const m = /^([a-z_]+)=(.+)$/.exec(v);
    if (!m) throw new UsageError(`--people must be TRADE=ID[,ID...], got "${v}"`);
    out[m[1]!] = listOption(m[2]) ?? [];
  }
  return out;
}

function zoneArgs(args: string[]) {
  const { values, positionals: pos } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      site: { type: 'string' },
      name: { type: 'string' },
      buildings: { type: 'string' },
      areas: { type: 'string' },
      people: { type: 'string', multiple: true },
    },
  });
  const [id] = positionals(pos, ['ID']);
  for (const r of ['site', 'name'] as const) if (!values[r]) throw new UsageError(`--${r} is required`);
  return {
    site: values.site,
    id,
    name: values.name,
    buildings: listOption(values.buildings),
    areas: listOption(values.areas),
    people: people(values.people),
  };
}

const describe = (z: Zone) =>
  `${z.id} (${z.name}) at ${z.site}: buildings ${z.buildings.join(',') || '-'}, areas ${z.areas.join(',') || '-'}; ${
    Object.entries(z.people)
      .map(([t, ids]) => `${t} ${ids.join(',')}`)
      .join('; ') || 'nobody responsible yet'
  }`;

const ZONE_USAGE = 'ID --site S --name N [--buildings B1,B2] [--areas A1] [--people TRADE=ID,ID]...';

const subcommands: Record<string, Subcommand> = {
  add: {
    usage: `add ${ZONE_USAGE}`,
    about:
      "add a zone: its buildings and areas, and its responsible people per trade, first preferred\n(dispatch and rounds prefer the zone's person on duty)",
    parse: (args, ctx) => {
      const input = zoneArgs(args);
      return async (records) => ctx.out(`zone added: ${describe(await deskOn(records, ctx).addZone(input))}`);
    },
  },
  set: {
    usage: `set ${ZONE_USAGE}`,
    about: "replace a zone's name, places and people (what is left out is dropped)",
    parse: (args, ctx) => {
      const input = zoneArgs(args);
      return async (records) =>
        ctx.out(`zone set: ${describe(await deskOn(records, ctx).replaceZone(input))}`);
    },
  },
  list: {
    usage: 'list --site S [--json]',
    about: "a site's zones and their people",
    parse: (args, ctx) => {
      const { values } = parseArgs({
        args,
        options: { site: { type: 'string' }, json: { type: 'boolean' } },
      });
      if (!values.site) throw new UsageError('--site is required');
      const site = values.site;
      return async (records) => {
        const zones = await deskOn(records, ctx).listZones(site);
        if (values.json) return ctx.out(JSON.stringify(zones, null, 2));
        if (zones.length === 0) return ctx.out(`no zones at ${site}; add one with \`facility zones add\``);
        const rows = zones.map((z) => [
          z.id,
          z.buildings.join(',') || '-',
          z.areas.join(',') || '-',
          Object.entries(z.people)
            .map(([t, ids]) => `${t}=${ids.join(',')}`)
            .join(' ') || '-',
        ]);
        for (const line of table([['ZONE', 'BUILDINGS', 'AREAS', 'PEOPLE'], ...rows])) ctx.out(line);
      };
    },
  },
};

const group: Group = {
  name: 'zones',
  subcommands,
  notes: 'trades: engineering, security, fire, cleaning, customer_service (the steward)',
};

/** `facility zones --help` and its subcommands' help. */
export const help = (args: string[]): string => groupHelp(group, args);

/** `facility zones ...` */
export function run(ctx: CommandContext): Promise<number> {
  return dispatch(ctx, group);
}
