/**
 * A fresh PostgreSQL cluster for each test server without an initdb for each: the first server of a
 * run (in whichever worker) runs initdb and leaves a copy of the result in the run's store
 * directory (tests/support/global-setup.ts); every later one copies that. initdb was 1.5 s of a
 * worker's time, a copy is a tenth of it, and some 25 files start a PostgreSQL. What the copy
 * holds is exactly what initdb wrote: the servers start as empty as before.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** How a PostgreSQL program is run: as the `postgres` user when the tests run as root. */
export type Wrap = (cmd: string, args: string[]) => [string, string[]];

/** The run's store directory, or undefined outside a vitest run (bench/ starts servers too). */
function runRoot(): string | undefined {
  try {
    return inject('storeRoot') || undefined;
  } catch {
    return undefined;
  }
}

/** Fills `data` (a new directory's path, in a directory the server's user owns) with a new cluster. */
export function freshCluster(data: string, wrap: Wrap): void {
  const root = runRoot();
  const template = root && join(root, 'pg-template');
  if (template && existsSync(template)) {
    // -a keeps the owner (postgres) and the 0700 PostgreSQL insists on.
    execFileSync('cp', ['-a', template, data]);
    return;
  }
  const [cmd, args] = wrap(`${PG_BIN}/initdb`, [
    '-D',
    data,
    '-U',
    'fm',
    '-A',
    'trust',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  execFileSync(cmd, args, { stdio: 'ignore' });
  if (!template) return;
  // Copied beside the template, then renamed: a reader sees a whole template or none. When two
  // workers race, the second rename fails on the first's template and its copy is dropped.
  const partial = `${template}-${process.pid}-${Date.now()}`;
  execFileSync('cp', ['-a', data, partial]);
  try {
    renameSync(partial, template);
  } catch {
    rmSync(partial, { recursive: true, force: true });
  }
}
