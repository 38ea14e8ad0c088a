/**
 * A first start copies the build's migrated seed instead of running PGlite's initdb
 * (src/records/pglite.ts). The seed here is the run's migrated template, which the build's
 * dist/seed/records is made the same way as (openRecords on an empty directory, then close).
 */
import { existsSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { openRecords } from '../../src/records/index.ts';
import { loadMigrations } from '../../src/records/migrate.ts';
import { captureLog } from '../support/log.ts';
import { tempDir } from '../support/servers.ts';

const seed = inject('pgliteTemplate');

async function openAndCount(dataDir: string, seedDir: string | false, log = captureLog()) {
  const records = await openRecords({ dataDir, seed: seedDir, log: log.log });
  try {
    const [row] = await records.db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    if (!(await records.listSites()).length) await records.addSite({ id: 'seeded', name: 'Seeded' });
    return { migrations: row!.n, sites: (await records.listSites()).length, log: log.text() };
  } finally {
    await records.close();
  }
}

describe('the embedded store from the built seed', () => {
  it('starts an empty data directory from the seed, with every migration applied, and keeps its data after', async () => {
    const dir = tempDir('seeded');
    try {
      const first = await openAndCount(dir, seed);
      expect(first.log).toContain('created from the built seed');
      expect(first.migrations).toBe(loadMigrations().length);
      expect(first.sites).toBe(1);
      // A second open finds a database and leaves it alone: the site is still there.
      const second = await openAndCount(dir, seed);
      expect(second.log).not.toContain('built seed');
      expect(second.sites).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('copies again over a copy cut short (no PG_VERSION yet)', async () => {
    const dir = tempDir('seeded-cut');
    try {
      await openAndCount(dir, seed);
      unlinkSync(join(dir, 'records', 'PG_VERSION'));
      const again = await openAndCount(dir, seed);
      expect(again.log).toContain('created from the built seed');
      expect(again.migrations).toBe(loadMigrations().length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates the store when the seed does not open, and says so', async () => {
    const dir = tempDir('seeded-bad');
    const bad = tempDir('bad-seed');
    try {
      mkdirSync(join(bad, 'base'));
      writeFileSync(join(bad, 'PG_VERSION'), '9\n');
      const opened = await openAndCount(dir, bad);
      expect(opened.log).toContain('does not open with this PGlite');
      expect(opened.migrations).toBe(loadMigrations().length);
      expect(existsSync(join(dir, 'records', 'base'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
