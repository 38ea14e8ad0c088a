/**
 * The rule of docs/architecture.md, "Folders": a folder of src/ is entered only through its
 * index.ts (or a sub-folder's index.ts, such as records/service/index.ts, the desk's facade), and
 * no value import goes round in a circle. What is listed below is what the code breaks today; the
 * list may only shrink: a new crossing fails, and so does a listed one that is gone (delete it).
 */
import { describe, expect, it } from 'vitest';
import { folderOf, importEdges, valueCycles } from './imports.ts';

const KNOWN_CROSSINGS = new Set<string>([]);

const KNOWN_CYCLES = new Set<string>([]);

const DOOR = /^[^/]+\/(?:[^/]+\/)?index\.ts$/;

describe('import boundaries', () => {
  const edges = importEdges();

  it('enters another folder only through its index.ts', () => {
    const crossings = new Set(
      edges
        .filter(
          (e) => folderOf(e.to) !== undefined && folderOf(e.from) !== folderOf(e.to) && !DOOR.test(e.to),
        )
        .map((e) => `${e.from} -> ${e.to}`),
    );
    expect(
      [...crossings].filter((c) => !KNOWN_CROSSINGS.has(c)),
      'new crossings',
    ).toEqual([]);
    expect(
      [...KNOWN_CROSSINGS].filter((c) => !crossings.has(c)),
      'gone: delete from the list',
    ).toEqual([]);
  });

  it('has no value-import cycle', () => {
    const cycles = new Set(valueCycles(edges).map((c) => c.join(' ')));
    expect(
      [...cycles].filter((c) => !KNOWN_CYCLES.has(c)),
      'new cycles',
    ).toEqual([]);
    expect(
      [...KNOWN_CYCLES].filter((c) => !cycles.has(c)),
      'gone: delete from the list',
    ).toEqual([]);
  });
});
