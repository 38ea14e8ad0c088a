import {
  groupCommand,
  idAndJson,
  intOption,
  parseOptions,
  printListing,
  type Subcommand,
  stringOptions,
} from './support.ts';

const subcommands: Record<string, Subcommand> = {
  add: {
    usage: 'add ID --name NAME [--address A] [--timezone TZ]',
    about: 'register an estate (time zone default Asia/Shanghai)',
    parse: (args, ctx) => {
      const {
        values,
        args: [id],
      } = stringOptions(args, ['name', 'address', 'timezone'], ['name'], ['ID']);
      return async (records) => {
        const site = await records.addSite({ id, ...values });
        ctx.out(`site ${site.id} added: ${site.name} (${site.timezone})`);
      };
    },
  },
  list: {
    usage: 'list [--json]',
    about: 'list estates with their counts',
    parse: (args, ctx) => {
      const { values } = parseOptions(args, { flags: ['json'] });
      return async (records) =>
        printListing(ctx, await records.listSites(), values.json, {
          empty: 'no sites yet; add one with `facility sites add ID --name NAME`',
          header: ['ID', 'TIMEZONE', 'BUILDINGS', 'AREAS', 'DEVICES', 'NAME'],
          row: (s) => [s.id, s.timezone, String(s.buildings), String(s.areas), String(s.devices), s.name],
        });
    },
  },
  show: {
    usage: 'show ID [--json]',
    about: 'one estate with its buildings and areas',
    parse: (args, ctx) => {
      const { id, json } = idAndJson(args);
      return async (records) => {
        const site = await records.getSite(id);
        if (json) return ctx.out(JSON.stringify(site, null, 2));
        ctx.out(`${site.id}: ${site.name}${site.address ? `, ${site.address}` : ''} (${site.timezone})`);
        for (const b of site.buildings)
          ctx.out(`  building ${b.id}: ${b.name}, floors ${b.floors}, basements ${b.basements}`);
        for (const a of site.areas)
          ctx.out(`  area ${a.id}: ${a.name}${a.building ? ` (building ${a.building})` : ''}`);
      };
    },
  },
  'add-building': {
    usage: 'add-building SITE ID --name N [--floors N] [--basements N]',
    about: 'add a building to an estate (basements are the floors below ground)',
    parse: (args, ctx) => {
      const {
        values,
        args: [site, id],
      } = stringOptions(args, ['name', 'floors', 'basements'], ['name'], ['SITE', 'ID']);
      const floors = intOption('floors', values.floors);
      const basements = intOption('basements', values.basements);
      return async (records) => {
        const b = await records.addBuilding({ site, id, name: values.name, floors, basements });
        ctx.out(
          `building ${b.id} added to ${b.site}: ${b.name}, floors ${b.floors}, basements ${b.basements}`,
        );
      };
    },
  },
  'add-area': {
    usage: 'add-area SITE ID --name N [--building B]',
    about: 'add an area (a lobby, a pump room, a car park) to an estate, in a building or not',
    parse: (args, ctx) => {
      const {
        values,
        args: [site, id],
      } = stringOptions(args, ['name', 'building'], ['name'], ['SITE', 'ID']);
      return async (records) => {
        const a = await records.addArea({ site, id, name: values.name, building: values.building });
        ctx.out(`area ${a.id} added to ${a.site}: ${a.name}${a.building ? ` (building ${a.building})` : ''}`);
      };
    },
  },
};

/** `facility sites ...` and its help (`facility sites --help`, a subcommand's). */
export const { help, run } = groupCommand({ name: 'sites', subcommands });
