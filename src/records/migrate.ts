import { readdirSync, readFileSync } from 'node:fs';
import type { Logger } from '../log.ts';
import type { Db } from './db.ts';
import { grantReportingReader, REPORTING_READER } from './reader.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE_PATTERN = /^(\d{3})-[a-z0-9-]+\.sql$/;
/** Arbitrary constant shared by every facility process: "the records schema is being migrated". */
const MIGRATION_LOCK_KEY = 7_301_946;

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

/** The `.sql` files in migrations/, in version order. */
export function loadMigrations(dir: URL = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((name) => FILE_PATTERN.test(name))
    .sort()
    .map((name) => ({
      version: name.slice(0, 3),
      name,
      sql: readFileSync(new URL(name, dir), 'utf8'),
    }));
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, all in one transaction so a
 * failure leaves the schema as it was. The advisory lock makes a second process starting at the
 * same moment wait, then find everything applied (PGlite accepts it too, harmlessly).
 */
export async function migrate(db: Db, log: Logger, migrations = loadMigrations()): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const rows = await tx.query<{ version: string }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      log.info({ migration: m.name }, 'applied records migration');
      done.push(m.name);
    }
    // Grafana's reader sees what the dashboards read and no more (reader.ts), at every start:
    // grants made by hand or by an earlier version are put back to the list.
    if (db.engine === 'postgres' && (await grantReportingReader(tx)))
      log.debug({ role: REPORTING_READER }, 'reporting reader granted its tables');
    return done;
  });
}
