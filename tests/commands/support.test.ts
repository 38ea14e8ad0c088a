/**
 * The registry commands' shared parsing and listing (src/commands/options.ts, support.ts), without
 * a store: what each subcommand's command line and listing now come from. The commands' own
 * messages and help are checked end to end in tests/cli and tests/records/*-cli.
 */
import { describe, expect, it } from 'vitest';
import {
  idAndJson,
  numberArg,
  parseOptions,
  printListing,
  siteAndJson,
  stringOptions,
  UsageError,
} from '../../src/commands/support.ts';
import type { CommandContext } from '../../src/commands/usage.ts';
import { usageMessage } from '../../src/commands/usage.ts';

/** The one-line message a person would see for these arguments, or the parsed result. */
function refusal(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return usageMessage(err);
  }
}

describe('parseOptions', () => {
  it('types what it finds: required strings, flags, repeated options, named positionals', () => {
    const { values, args } = parseOptions(
      ['z1', '--site', 's', '--people', 'a=1', '--people', 'b=2', '--json'],
      { strings: ['site', 'name'], required: ['site'], flags: ['json'], repeated: ['people'], args: ['ID'] },
    );
    expect(args).toEqual(['z1']);
    expect({ ...values }).toEqual({ site: 's', people: ['a=1', 'b=2'], json: true });
  });

  it('refuses a missing positional before a missing option, and an option in the order declared', () => {
    const spec = { strings: ['site', 'name'], required: ['site', 'name'], args: ['ID'] } as const;
    expect(refusal(() => parseOptions([], spec))).toBe('expected ID, got nothing');
    expect(refusal(() => parseOptions(['z1'], spec))).toBe('--site is required');
    expect(refusal(() => parseOptions(['z1', '--site', 's'], spec))).toBe('--name is required');
  });

  it('leaves a stray positional to the parser when none are declared, and counts them when some are', () => {
    expect(refusal(() => parseOptions(['x'], { flags: ['json'] }))).toBe("unexpected argument 'x'");
    expect(refusal(() => stringOptions(['x'], ['site'], []))).toBe('expected no arguments, got x');
    expect(refusal(() => parseOptions(['--colour'], { flags: ['json'] }))).toBe("unknown option '--colour'");
  });

  it('reads the shared shapes: ID [--json], --site S [--json], a record number', () => {
    expect(idAndJson(['7', '--json'], 'JOB')).toEqual({ id: '7', json: true });
    expect(refusal(() => idAndJson([], 'JOB'))).toBe('expected JOB, got nothing');
    expect(siteAndJson(['--site', 's'])).toEqual({ site: 's', json: undefined });
    expect(refusal(() => siteAndJson(['--json']))).toBe('--site is required');
    expect(numberArg('12', 'ID')).toBe(12);
    expect(refusal(() => numberArg('x', 'ID', 'a shift number'))).toBe('ID must be a shift number, got "x"');
    expect(() => numberArg('-1', 'JOB')).toThrow(UsageError);
  });
});

describe('printListing', () => {
  const capture = () => {
    const out: string[] = [];
    return { out, ctx: { out: (l: string) => out.push(l) } as unknown as CommandContext };
  };
  const items = [
    { id: 'a', note: '' },
    { id: 'bb', note: 'x' },
  ];

  it('prints the items as JSON with --json', async () => {
    const { out, ctx } = capture();
    await printListing(ctx, items, true, {
      empty: 'none',
      header: ['ID', 'NOTE'],
      row: (i) => [i.id, i.note],
    });
    expect(JSON.parse(out.join('\n'))).toEqual(items);
  });

  it('says the empty sentence, or without one prints the header alone', async () => {
    const a = capture();
    await printListing(a.ctx, [], undefined, { empty: 'none match', header: ['ID'], row: () => [] });
    expect(a.out).toEqual(['none match']);
    const b = capture();
    await printListing(b.ctx, [], undefined, { header: ['#', 'ITEM'], row: () => [] });
    expect(b.out).toEqual(['#  ITEM']);
  });

  it('prints a table, trimmed if asked, rows made one by one (async too), then the footer', async () => {
    const { out, ctx } = capture();
    await printListing(ctx, items, false, {
      header: ['ID', 'NOTE'],
      row: async (i) => [i.id, i.note],
      trim: true,
      footer: (all) => `${all.length} items`,
    });
    expect(out).toEqual(['ID  NOTE', 'a', 'bb  x', '2 items']);
    const untrimmed = capture();
    await printListing(untrimmed.ctx, items, false, { header: ['ID', 'NOTE'], row: (i) => [i.id, i.note] });
    expect(untrimmed.out[1]).toBe('a   ');
  });

  it('prints lines of the item’s own making', async () => {
    const { out, ctx } = capture();
    await printListing(ctx, items, false, { lines: (i) => [i.id, `  ${i.note}`] });
    expect(out).toEqual(['a', '  ', 'bb', '  x']);
  });
});
