import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordsError } from './errors.ts';

/** Lock files this process holds: a second open in the same process must fail too. */
const held = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Creates `path` holding our pid, atomically: it appears with its content or not at all. */
function tryCreate(path: string): boolean {
  // Write a private file, then link(2) it into place: link fails with EEXIST like O_EXCL, but a
  // reader can never see the lock empty between create and write.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Takes the single-writer lock of an embedded database directory (PGlite has one writer; two
 * processes on one directory corrupt it). A lock left by a dead process is taken over. Returns
 * the release function.
 */
export function acquireLock(dir: string): () => void {
  const path = join(dir, '.lock');
  if (held.has(path)) {
    throw new RecordsError(
      'records-locked',
      `the embedded database in ${dir} is already open in this process`,
    );
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(path)) {
      held.add(path);
      return () => {
        held.delete(path);
        if (readPid(path) === process.pid) unlinkSync(path);
      };
    }
    const owner = readPid(path);
    // Our own pid without `held` is a lock from an earlier life (a container's pid 1 restarting).
    if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
      throw new RecordsError(
        'records-locked',
        `the embedded database in ${dir} is in use by process ${owner}; stop that process ` +
          '(e.g. `facility start`) first, or set DATABASE_URL to use PostgreSQL, which many processes can share',
      );
    }
    // Stale: its owner died without closing. Residual race: two processes that read the same stale
    // lock at the same instant could each remove it, and the later unlink may remove the earlier's
    // fresh lock. The window is one unlink-to-link; closing it would need flock, which Node lacks.
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new RecordsError(
    'records-locked',
    `could not take the lock ${path}; another process keeps taking it`,
  );
}
