import { parseArgs } from 'node:util';
import {
  dispatch,
  type Group,
  groupHelp,
  intOption,
  positionals,
  type Subcommand,
  table,
  UsageError,
} from './support.ts';
import type { CommandContext } from './usage.ts';

const subcommands: Record<string, Subcommand> = {
  add: {
    usage: 'add ID --name NAME [--address A] [--timezone TZ]',
    about: 'register an estate (time zone default Asia/Shanghai)',
    parse: (args, ctx) => {
      const { values, positionals: pos } = parseArgs({
        args,
        allowPositionals: true,
        options: { name: { type: 'string' }, address: { type: 'string' }, timezone: { type: 'string' } },
      });
      const [id] = positionals(pos, ['ID']);
      if (!values.name) throw new UsageError('--name is required');
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
      const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
      return async (records) => {
        const sites = await records.listSites();
        if (values.json) return ctx.out(JSON.stringify(sites, null, 2));
        if (sites.length === 0)
          return ctx.out('no sites yet; add one with `facility sites add ID --name NAME`');
        const rows = sites.map((s) => [
          s.id,
          s.timezone,
          String(s.buildings),
          String(s.areas),
          String(s.devices),
          s.name,
        ]);
        for (const line of table([['ID', 'TIMEZONE', 'BUILDINGS', 'AREAS', 'DEVICES', 'NAME'], ...rows]))
          ctx.out(line);
      };
    },
  },
  show: {
    usage: 'show ID [--json]',
    about: 'one estate with its buildings and areas',
    parse: (args, ctx) => {
      const { values, positionals: pos } = parseArgs({
        args,
        allowPositionals: true,
        options: { json: { type: 'boolean' } },
      });
      const [id] = positionals(pos, ['ID']);
      return async (records) => {
        const site = await records.getSite(id);
        if (values.json) return ctx.out(JSON.stringify(site, null, 2));
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
      const { values, positionals: pos } = parseArgs({
        args,
        allowPositionals: true,
        options: { name: { type: 'string' }, floors: { type: 'string' }, basements: { type: 'string' } },
      });
      const [site, id] = positionals(pos, ['SITE', 'ID']);
      if (!values.name) throw new UsageError('--name is required');
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
      const { values, positionals: pos } = parseArgs({
        args,
        allowPositionals: true,
        options: { name: { type: 'string' }, building: { type: 'string' } },
      });
      const [site, id] = positionals(pos, ['SITE', 'ID']);
      if (!values.name) throw new UsageError('--name is required');
      return async (records) => {
        const a = await records.addArea({ site, id, name: values.name, building: values.building });
        ctx.out(`area ${a.id} added to ${a.site}: ${a.name}${a.building ? ` (building ${a.building})` : ''}`);
      };
    },
  },
};

const group: Group = { name: 'sites', subcommands };

/** `facility sites --help` and its subcommands' help. */
export const help = (args: string[]): string => groupHelp(group, args);

/** `facility sites ...` */
export function run(ctx: CommandContext): Promise<number> {
  return dispatch(ctx, group);
}
