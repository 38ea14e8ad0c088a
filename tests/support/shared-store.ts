/**
 * Embedded stores kept open in a test worker and lent out one opener at a time: `openRecords({
 * dataDir, db: await lendStore() })` behaves as a fresh copy of the migrated template, without
 * copying 40 MB and starting PGlite again (about 0.4 s of a worker's time for each store, paid
 * by every file of the `fast` project, where one worker runs many files: vitest.config.ts).
 *
 * What a borrower leaves is undone when it closes: every table emptied (triggers and foreign keys
 * held off, as a restore does), every sequence back where the template had it, its listeners
 * removed. A borrower that changed the schema (or anything the check below counts) gets its store
 * closed instead of lent again. The lent handle refuses work once closed, as a closed PGlite does,
 * so a late timer of a finished test cannot reach the next borrower's data.
 *
 * For tests about opening, reopening, locking or killing a store, use `migratedDataDir` instead.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Db } from '../../src/records/index.ts';
import { migrate } from '../../src/records/migrate.ts';
import { openPglite } from '../../src/records/pglite.ts';
import { migratedDataDir, storeRoot } from './store.ts';

interface Kept {
  db: Db;
  /** Undoes every borrower's writes. */
  reset: string;
  /** What a borrower must not have changed for the store to be lent again. */
  shape: string;
}

/** Stores waiting for a borrower; more are opened only while these are all lent (a test holding two). */
const idle: Kept[] = [];
const MAX_IDLE = 2;

const SHAPE = `SELECT json_build_array(
  (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_attribute), (SELECT count(*) FROM pg_attrdef),
  (SELECT count(*) FROM pg_constraint), (SELECT count(*) FROM pg_proc), (SELECT count(*) FROM pg_trigger),
  (SELECT count(*) FROM pg_roles), (SELECT count(*) FROM schema_migrations))::text AS shape`;

async function shapeOf(db: Db): Promise<string> {
  return (await db.query<{ shape: string }>(SHAPE))[0]!.shape;
}

async function keep(): Promise<Kept> {
  const db = await openPglite(join(migratedDataDir('shared'), 'records'));
  // Applies nothing on the template; outside vitest (no template) it builds the schema.
  await migrate(db, pino({ level: 'silent' }));
  const tables = await db.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
     WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename <> 'schema_migrations'`,
  );
  const sequences = await db.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, sequencename) AS name FROM pg_sequences
     WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
  );
  const restarts: string[] = [];
  for (const { name } of sequences) {
    const [s] = await db.query<{ last: string; called: boolean }>(
      `SELECT last_value::text AS last, is_called AS called FROM ${name}`,
    );
    restarts.push(`SELECT setval('${name}', ${s!.last}, ${s!.called});`);
  }
  // session_replication_role = replica skips triggers and foreign-key checks (pg_restore's way).
  const reset = [
    'SET session_replication_role = replica;',
    ...tables.map(({ name }) => `DELETE FROM ${name};`),
    'SET session_replication_role = DEFAULT;',
    ...restarts,
  ].join('\n');
  return { db, reset, shape: await shapeOf(db) };
}

async function giveBack(kept: Kept): Promise<void> {
  try {
    if (idle.length < MAX_IDLE && (await shapeOf(kept.db)) === kept.shape) {
      await kept.db.exec(kept.reset);
      idle.push(kept);
      return;
    }
  } catch {
    // Not fit to lend again: closed below.
  }
  await kept.db.close().catch(() => {});
}

function closedError(): Error {
  return new Error('PGlite is closed');
}

/** A store of its own for the borrower until it closes the returned database. */
export async function lendStore(): Promise<Db> {
  const kept = idle.pop() ?? (await keep());
  let closed = false;
  const unlisteners = new Set<() => Promise<void>>();
  const live = <T>(work: () => Promise<T>): Promise<T> => (closed ? Promise.reject(closedError()) : work());
  return {
    engine: kept.db.engine,
    query: (sql, params) => live(() => kept.db.query(sql, params)),
    exec: (sql) => live(() => kept.db.exec(sql)),
    transaction: (fn) => live(() => kept.db.transaction(fn)),
    listen: (channel, onNotify, onReconnect) =>
      live(async () => {
        const unlisten = await kept.db.listen(channel, onNotify, onReconnect);
        const once = async () => {
          if (unlisteners.delete(once)) await unlisten();
        };
        unlisteners.add(once);
        return once;
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const unlisten of [...unlisteners]) await unlisten();
      await giveBack(kept);
    },
  };
}

/** A new, empty data directory under the run's store directory, for what an API keeps beside its store. */
export function storeDataDir(prefix: string): string {
  return mkdtempSync(join(storeRoot(), `${prefix}-`));
}
