/**
 * Runs once per `vitest run`, before any worker: creates one embedded store and migrates it, so
 * every test store can start as a copy of it (tests/support/store.ts) instead of paying PGlite's
 * initdb, which is most of a fresh store's cost (seconds, against a fraction of a second to copy).
 * The migrations still run for real on a fresh store in tests/records/pglite.test.ts.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { openRecords } from '../../src/records/index.ts';

/** The build's migrated seed (scripts/build.js); the one in src/ resolves next to src/, where there is none. */
const BUILT_SEED = fileURLToPath(new URL('../../dist/seed/records/', import.meta.url));

import { memoryTempDir } from './servers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's directory for test stores: the template and every copy, removed after the run. */
    storeRoot: string;
    /** A migrated, closed PGlite data directory; copy it, never open it in place. */
    pgliteTemplate: string;
  }
}

const PREFIX = 'fm-stores-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Store directories of runs that died before their teardown (Ctrl-C, a killed CI job): in RAM, so reclaim them. */
function removeOrphans(): void {
  for (const parent of ['/dev/shm', tmpdir()]) {
    let names: string[];
    try {
      names = readdirSync(parent).filter((n) => n.startsWith(PREFIX));
    } catch {
      continue;
    }
    for (const name of names) {
      const dir = join(parent, name);
      let owner: number;
      try {
        owner = Number.parseInt(readFileSync(join(dir, 'owner'), 'utf8'), 10);
      } catch {
        continue; // being created this instant, or not ours
      }
      if (owner > 0 && !alive(owner)) rmSync(dir, { recursive: true, force: true });
    }
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  removeOrphans();
  const root = memoryTempDir('stores'); // named PREFIX + random
  writeFileSync(join(root, 'owner'), `${process.pid}\n`);
  const dataDir = join(root, 'template');
  // From the build's seed when there is one (npm ci builds it): a copy, plus whatever migration is
  // newer than the build; without one, PGlite's initdb and every migration (several seconds).
  const records = await openRecords({ dataDir, seed: BUILT_SEED, log: pino({ level: 'silent' }) });
  await records.close();
  project.provide('storeRoot', root);
  project.provide('pgliteTemplate', join(dataDir, 'records'));
  // Test workers end by SIGTERM, which skips their exit handlers: the stores they leave go here.
  return () => rmSync(root, { recursive: true, force: true });
}
