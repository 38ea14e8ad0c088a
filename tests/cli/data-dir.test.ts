/** The data directory holds records, phone numbers and secrets: nobody but its owner may read it. */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tightenDataDir } from '../../src/data-dir.ts';
import { tempDir } from '../support/servers.ts';

/** Paths under (and including) `dir` whose mode gives group or others any access. */
function shared(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    if ((statSync(path).mode & 0o077) !== 0)
      found.push(`${(statSync(path).mode & 0o777).toString(8)} ${path}`);
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return found;
}

describe('data directory permissions', () => {
  it('a first command creates the data directory and the embedded database private (0700/0600)', async () => {
    const dataDir = join(tempDir('data-modes'), 'data');
    await promisify(execFile)('node', ['bin/facility.js', 'sites', 'add', 'est', '--name', 'Estate'], {
      env: { ...process.env, FM_DATA_DIR: dataDir, FM_LOG_LEVEL: 'warn' },
    });
    expect(readdirSync(join(dataDir, 'records')).length).toBeGreaterThan(5);
    expect(shared(dataDir)).toEqual([]);
  }, 60_000);

  it('takes group and other access off an existing tree, keeping the owner bits', () => {
    const dir = tempDir('data-tighten');
    const outside = join(tempDir('data-outside'), 'shared.txt');
    writeFileSync(outside, 'x');
    chmodSync(outside, 0o644);
    mkdirSync(join(dir, 'records'));
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'records'), 0o777);
    writeFileSync(join(dir, 'records', 'PG_VERSION'), '17');
    chmodSync(join(dir, 'records', 'PG_VERSION'), 0o666);
    writeFileSync(join(dir, 'tool'), '#!/bin/sh');
    chmodSync(join(dir, 'tool'), 0o755);
    symlinkSync(outside, join(dir, 'link'));
    tightenDataDir(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'records')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'records', 'PG_VERSION')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'tool')).mode & 0o777).toBe(0o700);
    // A link is not followed: what it points at is not the platform's to change.
    expect(statSync(outside).mode & 0o777).toBe(0o644);
  });
});
