/**
 * The lent stores of shared-store.ts: whatever one borrower leaves, the next finds the store as a
 * fresh copy of the template would be, so files sharing a worker cannot see each other's data.
 */
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { type Db, openRecords } from '../../src/records/index.ts';
import { openPglite } from '../../src/records/pglite.ts';
import { lendStore, storeDataDir } from './shared-store.ts';
import { migratedDataDir } from './store.ts';

const log = pino({ level: 'silent' });

/** Rows in every table, and where every sequence stands: what a borrower could leave behind. */
async function contents(db: Db): Promise<unknown> {
  const tables = await db.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
     WHERE schemaname = 'public' ORDER BY 1`,
  );
  const out: Record<string, unknown> = {};
  for (const { name } of tables) out[name] = (await db.query(`SELECT count(*)::int AS n FROM ${name}`))[0];
  out.sequences = await db.query(
    `SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`,
  );
  return out;
}

it('lends the next borrower a store as fresh as a copy of the template', async () => {
  const fresh = await openPglite(join(migratedDataDir('fresh'), 'records'));
  const template = await contents(fresh);
  await fresh.close();

  const first = await openRecords({ dataDir: storeDataDir('first'), db: await lendStore(), log });
  await first.addSite({ id: 's1', name: 'Left behind' });
  await first.addBuilding({ site: 's1', id: 'B1', name: 'B1', floors: 3, basements: 0 });
  const heard: string[] = [];
  await first.db.listen('left_behind', (p) => heard.push(p));
  await first.close();

  const second = await openRecords({ dataDir: storeDataDir('second'), db: await lendStore(), log });
  try {
    expect(await contents(second.db)).toEqual(template);
    expect(await second.listSites()).toEqual([]);
    await second.db.query(`SELECT pg_notify('left_behind', 'x')`);
    expect(heard).toEqual([]);
    // The first borrower's handle is closed, as a closed PGlite is.
    await expect(first.listSites()).rejects.toThrow(/closed/);
  } finally {
    await second.close();
  }
});

it('does not lend again a store whose schema a borrower changed', async () => {
  const changer = await lendStore();
  await changer.exec('CREATE TABLE left_behind (id int)');
  await changer.close();
  const next = await lendStore();
  try {
    expect(await next.query(`SELECT to_regclass('left_behind') AS t`)).toEqual([{ t: null }]);
  } finally {
    await next.close();
  }
});
