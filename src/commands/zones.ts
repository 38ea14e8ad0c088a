import type { Zone } from '../records/service/index.ts';
import {
  deskOn,
  groupCommand,
  listOption,
  parseOptions,
  printListing,
  type Subcommand,
  siteAndJson,
  UsageError,
} from './support.ts';

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
  const {
    values,
    args: [id],
  } = parseOptions(args, {
    strings: ['site', 'name', 'buildings', 'areas'],
    required: ['site', 'name'],
    repeated: ['people'],
    args: ['ID'],
  });
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
      const { site, json } = siteAndJson(args);
      return async (records) =>
        printListing(ctx, await deskOn(records, ctx).listZones(site), json, {
          empty: `no zones at ${site}; add one with \`facility zones add\``,
          header: ['ZONE', 'BUILDINGS', 'AREAS', 'PEOPLE'],
          row: (z) => [
            z.id,
            z.buildings.join(',') || '-',
            z.areas.join(',') || '-',
            Object.entries(z.people)
              .map(([t, ids]) => `${t}=${ids.join(',')}`)
              .join(' ') || '-',
          ],
        });
    },
  },
};

/** `facility zones ...` and its help (`facility zones --help`, a subcommand's). */
export const { help, run } = groupCommand({
  name: 'zones',
  subcommands,
  notes: 'trades: engineering, security, fire, cleaning, customer_service (the steward)',
});
