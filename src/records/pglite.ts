import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../log.ts';
import type { Db, Queryable } from './db.ts';

/**
 * The migrated, empty store the build leaves in dist/seed/records (scripts/build.js), found beside
 * the compiled module. Run from src/ (tests, development) there is none, and a store is created.
 */
export const BUILT_SEED = new URL('../seed/records/', import.meta.url).pathname;

/**
 * Embedded PostgreSQL (WASM) in `dir`. Single-writer: the caller holds the directory lock.
 *
 * A directory with no database in it is filled from `seed` when there is one: PGlite's initdb is
 * most of a first start (2-3 s here, against 0.2 s to copy 40 MB). PG_VERSION is copied last, so a
 * copy cut short leaves a directory PGlite does not take for a database, and the next start copies
 * again. A seed PGlite cannot open (built by another PGlite) is removed again and the store created.
 */
export async function openPglite(dir: string, seed?: string, log?: Logger): Promise<Db> {
  const seeded =
    seed !== undefined && !existsSync(join(dir, 'PG_VERSION')) && existsSync(join(seed, 'PG_VERSION'));
  if (seeded) {
    for (const name of readdirSync(seed)) {
      if (name !== 'PG_VERSION' && name !== '.lock')
        cpSync(join(seed, name), join(dir, name), { recursive: true });
    }
    cpSync(join(seed, 'PG_VERSION'), join(dir, 'PG_VERSION'));
  }
  let pg: PGlite;
  try {
    pg = await PGlite.create(dir);
    if (seeded) log?.info({ dir }, 'embedded database created from the built seed');
  } catch (err) {
    if (!seeded) throw err;
    log?.warn({ err, dir }, 'the built seed does not open with this PGlite: creating the database instead');
    for (const name of readdirSync(dir))
      if (name !== '.lock') rmSync(join(dir, name), { recursive: true, force: true });
    pg = await PGlite.create(dir);
  }
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    query: async <T>(sql: string, params?: unknown[]) => (await q.query<T>(sql, params)).rows,
    exec: async (sql: string) => {
      await q.exec(sql);
    },
  });
  return {
    engine: 'pglite',
    ...wrap(pg),
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    // One process holds the embedded database, so every listener is in it; nothing to reconnect.
    listen: async (channel, onNotify) => {
      const unlisten = await pg.listen(channel, onNotify);
      return () => unlisten();
    },
    close: () => pg.close(),
  };
}
