import { closest } from '../closest.ts';
import { planSettings } from '../config.ts';
import { openRecords, type Records, RecordsError } from '../records/index.ts';
import { openServiceDesk, type ServiceDesk } from '../records/service/index.ts';
import type { CommandContext } from './usage.ts';
import { USAGE_EXIT, UsageError, usageLine, usageMessage, wantsHelp } from './usage.ts';

export * from './options.ts';
export { UsageError };

/**
 * One subcommand of a registry group (`facility sites add`): its synopsis and description for the
 * help, and a parser that refuses a bad command line before the store is opened.
 */
export interface Subcommand {
  /** The synopsis after `facility <group> `, e.g. `add ID --name NAME [--address A]`. */
  usage: string;
  /** What it does, for the help; several lines allowed. */
  about: string;
  /** Parses the arguments (and may refuse them); the returned action then runs on the store. */
  parse: (args: string[], ctx: CommandContext) => (records: Records) => Promise<void>;
}

/** A registry command (`facility sites|devices|staff|duty|maintenance`) and its subcommands. */
export interface Group {
  name: string;
  subcommands: Record<string, Subcommand>;
  /** Closing notes of the help (vocabularies, time formats). */
  notes?: string;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');

/** The group's help, or one subcommand's when `args` starts with its name. */
export function groupHelp(group: Group, args: readonly string[]): string {
  const notes = group.notes ? `\n\n${group.notes}` : '';
  const sub = args[0] === undefined ? undefined : group.subcommands[args[0]];
  if (sub) return `usage: facility ${group.name} ${sub.usage}\n\n${sub.about}${notes}`;
  const entries = Object.values(group.subcommands).map((s) => `  ${s.usage}\n${indent(s.about)}`);
  return `usage: facility ${group.name} <subcommand> [options]\n\n${entries.join('\n')}${notes}\n\n\`facility ${group.name} <subcommand> --help\` shows one subcommand.`;
}

/**
 * Runs a registry group: picks the subcommand, answers `--help` at either level, maps refusals to
 * exit codes (2 for a usage mistake or invalid input, 1 for a domain refusal) and always closes the
 * store, which in embedded mode releases the single-writer lock.
 */
export async function dispatch(ctx: CommandContext, group: Group): Promise<number> {
  const [name, ...args] = ctx.args;
  if (name === 'help' || wantsHelp(ctx.args)) {
    ctx.out(groupHelp(group, name === 'help' ? args : ctx.args));
    return 0;
  }
  const sub = name === undefined ? undefined : group.subcommands[name];
  const command = `facility ${group.name}${sub ? ` ${name}` : ''}`;
  let action: ReturnType<Subcommand['parse']>;
  try {
    if (name === undefined) throw new UsageError('missing subcommand');
    if (!sub) {
      const guess = closest(name, Object.keys(group.subcommands));
      throw new UsageError(`unknown subcommand "${name}"${guess ? `; did you mean "${guess}"?` : ''}`);
    }
    action = sub.parse(args, ctx);
  } catch (err) {
    const message = usageMessage(err);
    if (message === undefined) throw err;
    ctx.err(usageLine(command, message));
    return USAGE_EXIT;
  }
  let records: Records;
  try {
    records =
      ctx.store ??
      (await openRecords({
        databaseUrl: ctx.config.DATABASE_URL,
        dataDir: ctx.config.FM_DATA_DIR,
        log: ctx.log.child({ service: 'records' }),
      }));
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
    return err.code === 'invalid-input' ? USAGE_EXIT : 1;
  } finally {
    if (records !== ctx.store) await records.close();
  }
}

/** A group's module as cli.ts loads it: the help (a subcommand's when `args` names one) and the run. */
export function groupCommand(group: Group): {
  help: (args: string[]) => string;
  run: (ctx: CommandContext) => Promise<number>;
} {
  return { help: (args) => groupHelp(group, args), run: (ctx) => dispatch(ctx, group) };
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
    plans: planSettings(ctx.config),
  });
}

/** How a listing subcommand shows its items as a table (or as lines of its own making). */
export type Listing<T> = {
  /** Said instead of the table when there are no items; without it the table's header stands alone. */
  empty?: string;
  /** Cut the blanks a line may end with (the last column can be empty). */
  trim?: boolean;
  /** A closing line under the table (a count). */
  footer?: (items: readonly T[]) => string;
} & (
  | { header: string[]; row: (item: T) => string[] | Promise<string[]>; lines?: undefined }
  | { lines: (item: T) => string[]; header?: undefined }
);

/** A listing's output: the items as JSON with `--json`, else the `empty` sentence or the table. */
export async function printListing<T>(
  ctx: CommandContext,
  items: readonly T[],
  json: boolean | undefined,
  show: Listing<T>,
): Promise<void> {
  if (json) return ctx.out(JSON.stringify(items, null, 2));
  if (items.length === 0 && show.empty !== undefined) return ctx.out(show.empty);
  const lines =
    show.lines === undefined
      ? table([show.header, ...(await Promise.all(items.map(show.row)))])
      : items.flatMap(show.lines);
  for (const line of lines) ctx.out(show.trim ? line.trimEnd() : line);
  if (show.footer) ctx.out(show.footer(items));
}
