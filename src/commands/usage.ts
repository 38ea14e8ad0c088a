import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Records } from '../records/index.ts';

/**
 * The command line's conventions, shared by every command and kept free of heavy imports so that
 * `facility --help` and `--version` answer at once: a person's mistake is one line on stderr and
 * exit 2 (the BSD sysexits/getopt tradition), never a stack trace.
 */

/** What every command gets: the parsed configuration and the root logger. Only src/cli.ts reads the environment. */
export interface CommandContext {
  config: Config;
  log: Logger;
  args: string[];
  /** The command's output (stdout): only what a pipe should see. */
  out: (line: string) => void;
  /** Messages for the operator (stderr). */
  err: (line: string) => void;
  /**
   * An open store for the command to use and leave open, instead of opening the configured one
   * itself: a program that runs several commands in one process (the tests) opens it once.
   */
  store?: Records;
}

/** A mistake in the command line: exit 2 with one line naming it and where the usage is. */
export class UsageError extends Error {}

/** Exit code of a command-line mistake. */
export const USAGE_EXIT = 2;

/** `--help` or `-h` anywhere before a `--` terminator. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

function isParseError(err: unknown): boolean {
  return String((err as { code?: unknown } | null)?.code ?? '').startsWith('ERR_PARSE_ARGS');
}

/**
 * The message of a command-line mistake, or undefined for any other error. node:util parseArgs
 * appends advice meant for programmers ("To specify a positional argument starting with a '-'...")
 * to its first sentence; a person needs only that first sentence.
 */
export function usageMessage(err: unknown): string | undefined {
  if (err instanceof UsageError) return err.message;
  if (!isParseError(err)) return undefined;
  const first = (err as Error).message.split(/\.\s/)[0] ?? '';
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/** The one line for a mistake in `command` (e.g. `facility sites add`). */
export function usageLine(command: string, message: string): string {
  return `${command}: ${message} (\`${command} --help\` shows the usage)`;
}

/** The package's version, read where the package keeps it (the same path from src/ and dist/). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  return `${pkg.name} ${pkg.version}`;
}
