/**
 * How the registry commands read their command lines (node:util parseArgs, strict): declared
 * options, exactly the named positionals, and the shared option shapes (numbers, lists, times,
 * `ID [--json]`, `--site S [--json]`), each refusal a UsageError that names the option.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './usage.ts';

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
 * A subcommand's command line, declared: `strings` (`--name value`), `flags` (booleans), `repeated`
 * (`--point a --point b`), the `required` strings, and `args`, the positionals by name (exactly those).
 * Without `args` a positional is refused by the parser itself ("unexpected argument").
 */
export interface OptionSpec<S extends string, R extends S, F extends string, M extends string, P> {
  strings?: readonly S[];
  required?: readonly R[];
  flags?: readonly F[];
  repeated?: readonly M[];
  args?: P;
}

/** What `parseOptions` found, typed by the spec: required strings are there, the rest may be. */
export type Parsed<S extends string, R extends S, F extends string, M extends string, P> = {
  values: Record<R, string> &
    Partial<Record<Exclude<S, R>, string>> &
    Partial<Record<F, boolean>> &
    Partial<Record<M, string[]>>;
  args: { [K in keyof P]: string };
};

/** Parses a subcommand's arguments by its spec; the positionals are checked before the required options. */
export function parseOptions<
  const S extends string = never,
  const R extends S = never,
  const F extends string = never,
  const M extends string = never,
  const P extends readonly string[] = [],
>(args: string[], spec: OptionSpec<S, R, F, M, P>): Parsed<S, R, F, M, P> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const o of spec.strings ?? []) options[o] = { type: 'string' };
  for (const o of spec.flags ?? []) options[o] = { type: 'boolean' };
  for (const o of spec.repeated ?? []) options[o] = { type: 'string', multiple: true };
  const { values, positionals: got } = parseArgs({
    args,
    allowPositionals: spec.args !== undefined,
    options,
  });
  const named = spec.args === undefined ? [] : positionals(got, spec.args);
  for (const r of spec.required ?? []) if (!values[r]) throw new UsageError(`--${r} is required`);
  return { values, args: named } as unknown as Parsed<S, R, F, M, P>;
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
  return parseOptions(args, { strings: options, required, args: names });
}

/** `ID [--json]`: one thing shown, or listed by one thing; `name` is the positional's in refusals. */
export function idAndJson(args: string[], name = 'ID'): { id: string; json: boolean | undefined } {
  const { values, args: named } = parseOptions(args, { flags: ['json'], args: [name] });
  return { id: named[0], json: values.json };
}

/** `--site S [--json]`: a listing of one site's things, the site required. */
export function siteAndJson(args: string[]): { site: string; json: boolean | undefined } {
  const { values } = parseOptions(args, { strings: ['site'], required: ['site'], flags: ['json'] });
  return { site: values.site, json: values.json };
}

/** A positional that is a record's number: `what` names it in the refusal (`ID must be a number`). */
export function numberArg(raw: string, what: string, kind = 'a number'): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`${what} must be ${kind}, got "${raw}"`);
  return Number(raw);
}
