/**
 * The import graph of src/, read from the sources: which file imports which, and whether only
 * types. Static `import ... from` and `export ... from` of relative paths are all this code uses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

const SRC = resolve(import.meta.dirname, '../../src');
const IMPORT = /^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?['"](\.[^'"]+)['"]/gm;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every relative import between files of src/, paths relative to src/. */
export function importEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of files(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const clause = m[3] ?? '';
      // `import { type A, type B } from` is type-only too.
      const names = /\{([^}]*)\}/.exec(clause)?.[1];
      const allTypes =
        names?.split(',').every((n) => n.trim() === '' || n.trim().startsWith('type ')) === true;
      edges.push({
        from: relative(SRC, file),
        to: relative(SRC, resolve(dirname(file), m[4]!)),
        typeOnly: Boolean(m[2]) || allTypes,
      });
    }
  }
  return edges;
}

/** The top folder of a path in src/ (`rules/engine.ts` -> `rules`), or undefined for src/ itself. */
export function folderOf(path: string): string | undefined {
  const i = path.indexOf('/');
  return i === -1 ? undefined : path.slice(0, i);
}

/** Value-import cycles, each as the list of files around it (Tarjan's strongly connected components). */
export function valueCycles(edges: Edge[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}
