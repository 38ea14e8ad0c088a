import { parseArgs } from 'node:util';
import type { CommandContext } from '../cli.ts';
import { openRecords, type Records, RecordsError } from '../records/index.ts';

/** A mistake in the command line: exit 2 with the usage. */
export class UsageError extends Error {}

/** Parses the arguments (and may refuse them) before anything is opened; the action then runs on the store. */
export type Subcommand = (args: string[], ctx: CommandContext) => (records: Records) => Promise<void>;

function fail(message: string): void {
  process.stderr.write(`facility: ${message}\n`);
}

function isParseError(err: unknown): boolean {
  return String((err as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
}

/**
 * Shared by `facility sites` and `facility devices`: picks the subcommand, maps refusals to exit
 * codes (2 for a usage mistake or invalid input, 1 for a domain refusal) and always closes the
 * store, which in embedded mode releases the single-writer lock.
 */
export async function dispatch(
  ctx: CommandContext,
  usage: string,
  subcommands: Record<string, Subcommand>,
): Promise<number> {
  const [name, ...args] = ctx.args;
  if (name === 'help' || name === '--help' || name === '-h') {
    ctx.out(usage);
    return 0;
  }
  const sub = name === undefined ? undefined : subcommands[name];
  let action: ReturnType<Subcommand>;
  try {
    if (!sub)
      throw new UsageError(name === undefined ? 'missing subcommand' : `unknown subcommand "${name}"`);
    action = sub(args, ctx);
  } catch (err) {
    if (!(err instanceof UsageError) && !isParseError(err)) throw err;
    fail(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  let records: Records;
  try {
    records = await openRecords({
      databaseUrl: ctx.config.DATABASE_URL,
      dataDir: ctx.config.FM_DATA_DIR,
      log: ctx.log.child({ service: 'records' }),
    });
  } catch (err) {
    fail(
      err instanceof RecordsError
        ? err.message
        : `cannot open the records database: ${(err as Error).message}`,
    );
    return 1;
  }
  try {
    await action(records);
    return 0;
  } catch (err) {
    if (!(err instanceof RecordsError)) throw err;
    fail(err.message);
    return err.code === 'invalid-input' ? 2 : 1;
  } finally {
    await records.close();
  }
}

/** `--floor=-2` style integer option; undefined when absent. */
export function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
}

/** Exactly the named positional arguments, typed as a tuple of that length. */
export function positionals<const N extends readonly string[]>(
  got: string[],
  names: N,
): { [K in keyof N]: string } {
  if (got.length !== names.length) {
    throw new UsageError(
      `expected ${names.join(' ') || 'no arguments'}, got ${got.length ? got.join(' ') : 'nothing'}`,
    );
  }
  return got as unknown as { [K in keyof N]: string };
}

/** Aligned columns; the last column is not padded, so put free text (which may be CJK) there. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c < r.length - 1 ? cell.padEnd(widths[c]!) : cell)).join('  '));
}

const USAGE = `usage: facility sites <subcommand>

  add ID --name NAME [--address A] [--timezone TZ]     register an estate (time zone default Asia/Shanghai)
  list [--json]                                         list estates with their counts
  show ID [--json]                                      one estate with its buildings and areas
  add-building SITE ID --name N [--floors N] [--basements N]
  add-area SITE ID --name N [--building B]`;

const subcommands: Record<string, Subcommand> = {
  add: (args, ctx) => {
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
  list: (args, ctx) => {
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
  show: (args, ctx) => {
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
  'add-building': (args, ctx) => {
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
      ctx.out(`building ${b.id} added to ${b.site}: ${b.name}, floors ${b.floors}, basements ${b.basements}`);
    };
  },
  'add-area': (args, ctx) => {
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
};

/** `facility sites ...` */
export function run(ctx: CommandContext): Promise<number> {
  return dispatch(ctx, USAGE, subcommands);
}
