/**
 * Data directories for tests that need an embedded records store: a copy of the store that
 * tests/support/global-setup.ts migrated once per run. Opening it still runs `migrate`, which finds
 * every migration applied (or applies one added since the run started), so the code path is the
 * production one minus PGlite's initdb.
 */
import { constants, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { tempDir } from './servers.ts';

/** The run's store directory and template, or undefined outside a vitest run (bench/ imports these helpers). */
function provided(): { root: string; template: string } | undefined {
  try {
    const root = inject('storeRoot');
    const template = inject('pgliteTemplate');
    return root && template ? { root, template } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A new temporary data directory whose `records/` is a migrated embedded store, for
 * `openRecords({ dataDir })` in the test or in a process the test starts. It lives under the run's
 * store directory (RAM-backed where there is room), which the global teardown removes, so a test
 * need not. Without the template (outside vitest) it is an empty directory, as from tempDir, and
 * the store is created and migrated on open. Use `tempDir` where the test is about a store's first
 * creation or its migrations.
 */
export function migratedDataDir(prefix: string): string {
  const run = provided();
  if (!run) return tempDir(prefix);
  const dir = mkdtempSync(join(run.root, `${prefix}-`));
  // FICLONE: a copy-on-write clone where the filesystem has them (btrfs, XFS), else a plain copy.
  cpSync(run.template, join(dir, 'records'), { recursive: true, mode: constants.COPYFILE_FICLONE });
  return dir;
}

/** The run's store directory (a test's own data directories go there), or the system's outside vitest. */
export function storeRoot(): string {
  return provided()?.root ?? tmpdir();
}
