/**
 * docs/scaling.md keeps what was measured apart from what is extrapolated: every figure of its
 * "Measured" table must be one the benchmark it cites printed (so a rerun that changes a bench file
 * shows here), and the plans may start only from measurements the table holds.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const doc = read('docs/scaling.md');
const measured = doc.slice(doc.indexOf('## Measured'), doc.indexOf('\n## ', doc.indexOf('## Measured') + 1));
const rest = doc.slice(doc.indexOf('\n## ', doc.indexOf('## Measured') + 1));

/** The table's rows as their cells: id, what, measured, conditions, source. */
const rows = measured
  .split('\n')
  .filter((l) => /^\| M\d+ \|/.test(l))
  .map((l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  );

describe('docs/scaling.md', () => {
  it('quotes as measured only figures that appear in the file each row cites', () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const [id, , figures, , source] of rows) {
      const path = /`([^`]+\.md)`/.exec(source!)?.[1];
      expect(path, id).toBeDefined();
      const cited = read(path!);
      const numbers = figures!.match(/\d[\d,.]*\d|\d/g) ?? [];
      expect(numbers.length, id).toBeGreaterThan(0);
      for (const n of numbers) expect(cited, `${id}: ${n} in ${path}`).toContain(n);
    }
  });

  it('extrapolates only from measurements the table holds, and each one is used', () => {
    const ids = new Set(rows.map((r) => r[0]));
    const used = new Set([...rest.matchAll(/\bM\d+\b/g)].map((m) => m[0]));
    expect([...used].filter((m) => !ids.has(m))).toEqual([]);
    expect([...ids].filter((m) => !used.has(m!))).toEqual([]);
  });

  it('says the machine the figures came from', () => {
    expect(doc).toMatch(/2-core VM shared with other work/);
  });

  it('links to documents that exist, and is linked from the README and the architecture', () => {
    for (const [, target] of doc.matchAll(/\]\(([^)#]+\.md)(#[^)]*)?\)/g))
      expect(
        existsSync(join(dirname(new URL(import.meta.url).pathname), '../../docs', target!)),
        target,
      ).toBe(true);
    expect(read('README.md')).toContain('](docs/scaling.md)');
    expect(read('docs/architecture.md')).toContain('](scaling.md)');
  });
});
