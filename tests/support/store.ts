/**
 * Data directories for tests that need an embedded records store: a copy of the store that
 * tests/support/global-setup.ts migrated once per run. Opening it still runs `migrate`, which finds
 * every migration applied (or applies one added since the run started), so the code path is the
 * production one minus PGlite's initdb.
 */
import { constants, cpSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

/**
 * A new temporary data directory whose `records/` is a migrated embedded store, for
 * `openRecords({ dataDir })` in the test or in a process the test starts. It lives under the run's
 * store directory (RAM-backed where there is room), which the global teardown removes, so a test
 * need not. Use `tempDir` instead where the test is about a store's first creation or migrations.
 */
export function migratedDataDir(prefix: string): string {
  const root = inject('storeRoot');
  const template = inject('pgliteTemplate');
  if (!root || !template) {
    throw new Error('no migrated store template: run the tests through vitest.config.ts (its globalSetup)');
  }
  const dir = mkdtempSync(join(root, `${prefix}-`));
  // FICLONE: a copy-on-write clone where the filesystem has them (btrfs, XFS), else a plain copy.
  cpSync(template, join(dir, 'records'), { recursive: true, mode: constants.COPYFILE_FICLONE });
  return dir;
}
