/**
 * One clock (src/clock.ts, issue 12 §4): every service takes its wall clock as a `Clock` so tests
 * can pass a fake one, and nothing in src/ reads the system's time behind it. `Date.now` and an
 * argument-less `Date()` appear only in src/clock.ts; durations use `performance.now()`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
const ALLOWED = new Set(['clock.ts']);

/** `Date.now` (called or passed), `new Date()`, `Date()` and `new Date` without parentheses. */
const SYSTEM_TIME = /\bDate\.now\b|(?<![\w.$])Date\(\s*\)|\bnew\s+Date\b(?!\s*\()/g;

/** Comments may name what they warn against; only code counts. */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:])\/\/.*$/gm, '$1');
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** `file:line: text` of every read of the system's time in `text`. */
function readsOfSystemTime(file: string, text: string): string[] {
  const lines = code(text).split('\n');
  return lines.flatMap((line, i) =>
    [...line.matchAll(SYSTEM_TIME)].map(() => `${file}:${i + 1}: ${text.split('\n')[i]!.trim()}`),
  );
}

describe('the one clock', () => {
  it('finds the ways of reading the system time, and not a Date made from a time', () => {
    const found = readsOfSystemTime(
      'x.ts',
      [
        'const a = Date.now();',
        'const b = new Date();',
        'const c = new Date;',
        'const d = Date();',
        'const e = options.now ?? Date.now;',
        'const f = new Date(t); const g = new Date(clock()); const h = Date.parse(s);',
        '// Date.now() in a comment',
        '/** new Date() in a doc comment */',
        "const url = 'http://x'; // Date.now()",
      ].join('\n'),
    );
    expect(found.map((f) => f.split(':')[1])).toEqual(['1', '2', '3', '4', '5']);
  });

  it('reads the system time nowhere in src/ but src/clock.ts', () => {
    const found = files(SRC)
      .map((f) => relative(SRC, f))
      .filter((f) => !ALLOWED.has(f))
      .flatMap((f) => readsOfSystemTime(f, readFileSync(join(SRC, f), 'utf8')));
    expect(found, 'take a Clock (src/clock.ts) instead').toEqual([]);
  });
});
