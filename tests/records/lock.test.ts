import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRecords, RecordsError } from '../../src/records/index.ts';
import { migratedDataDir } from '../support/store.ts';
import { silent } from './suite.ts';

const dirs: string[] = [];
function dataDir(): string {
  const dir = migratedDataDir('records-lock');
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function holder(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/run-ts.js', 'tests/records/hold-lock.ts', dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code} before ready`)));
  });
}

async function refusal(dir: string): Promise<RecordsError> {
  const err = await openRecords({ dataDir: dir, log: silent }).then(
    async (r) => {
      await r.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RecordsError);
  return err as RecordsError;
}

describe('embedded single-writer lock', () => {
  it('refuses a second process, naming the holder, and takes over once the holder died', async () => {
    const dir = dataDir();
    const child = await holder(dir);
    const lockFile = join(dir, 'records', '.lock');
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(child.pid));

    const err = await refusal(dir);
    expect(err.code).toBe('records-locked');
    expect(err.message).toContain(`process ${child.pid}`);
    expect(err.message).toContain('DATABASE_URL');
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(child.pid)); // left alone

    // A crash: no close, so the lock file stays behind with a dead pid.
    await new Promise((resolve) => child.once('exit', resolve).kill('SIGKILL'));
    expect(existsSync(lockFile)).toBe(true);
    const records = await openRecords({ dataDir: dir, log: silent });
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));
    expect(await records.listSites()).toEqual([]);
    await records.close();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('a lock file naming a live process (our parent) is respected', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'records', '.lock'), `${process.ppid}\n`);
    expect((await refusal(dir)).message).toContain(`process ${process.ppid}`);
  });

  it('refuses a second open within the same process until the first closes', async () => {
    const dir = dataDir();
    const first = await openRecords({ dataDir: dir, log: silent });
    expect((await refusal(dir)).message).toContain('already open in this process');
    await first.close();
    const second = await openRecords({ dataDir: dir, log: silent });
    await second.addSite({ id: 's', name: 'S' });
    expect((await second.listSites()).map((site) => site.id)).toEqual(['s']);
    await second.close();
  });
});
