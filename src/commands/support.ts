import { parseArgs } from 'node:util';
import type { CommandContext } from '../cli.ts';
import { openRecords, type Records, RecordsError } from '../records/index.ts';
import { openServiceDesk, type ServiceDesk } from '../records/service/index.ts';

/** A mistake in the command line: exit 2 with the usage. */
export class UsageError extends Error {}

/** Parses the arguments (and may refuse them) before anything is opened; the action then runs on the store. */
export type Subcommand = (args: string[], ctx: CommandContext) => (records: Records) => Promise<void>;

function isParseError(err: unknown): boolean {
  return String((err as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
}

/**
 * Shared by the registry commands (`facility sites|devices|staff|duty|maintenance`): picks the subcommand, maps refusals to exit
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
    ctx.err(`facility: ${(err as Error).message}\n\n${usage}`);
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
    ctx.err(
      `facility: ${err instanceof RecordsError ? err.message : `cannot open the records database: ${(err as Error).message}`}`,
    );
    return 1;
  }
  try {
    await action(records);
    return 0;
  } catch (err) {
    if (!(err instanceof RecordsError)) throw err;
    ctx.err(`facility: ${err.message}`);
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

/** The service desk on an opened store, for commands that keep the duty table (no breach watcher runs). */
export function deskOn(records: Records, ctx: CommandContext): ServiceDesk {
  return openServiceDesk({
    db: records.db,
    log: ctx.log.child({ service: 'records' }),
    lang: ctx.config.FM_LANG,
  });
}

/** `--roles a,b` style list; undefined when absent. */
export function listOption(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
}

/** `--at 2025-03-03T18:00:00+08:00` style time: an offset is required (the site's zone may not be ours). */
export function timeOption(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(value) || Number.isNaN(d.getTime())) {
    throw new UsageError(`--${name} must be an ISO 8601 time with an offset, e.g. 2025-03-03T18:00:00+08:00`);
  }
  return d;
}

/**
 * The `add` subcommands' shape: `--name value` options, all strings, the `required` ones present,
 * and the positionals named by `args` (none by default).
 */
export function stringOptions<
  const O extends string,
  const R extends O,
  const P extends readonly string[] = [],
>(
  args: string[],
  options: readonly O[],
  required: readonly R[],
  names: P = [] as unknown as P,
): { values: Record<R, string> & Partial<Record<O, string>>; args: { [K in keyof P]: string } } {
  const { values, positionals: got } = parseArgs({
    args,
    allowPositionals: true,
    options: Object.fromEntries(options.map((o) => [o, { type: 'string' as const }])),
  });
  const named = positionals(got, names);
  for (const r of required) if (!values[r]) throw new UsageError(`--${r} is required`);
  return { values: values as Record<R, string> & Partial<Record<O, string>>, args: named };
}
