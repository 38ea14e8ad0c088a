import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as devices } from '../../src/commands/devices.ts';
import { run as sites } from '../../src/commands/sites.ts';
import { loadConfig } from '../../src/config.ts';
import { verifySecret } from '../../src/records/secrets.ts';
import { migratedDataDir } from '../support/store.ts';
import { commandRunner } from './cli-support.ts';

const dataDir = migratedDataDir('records-cli');
const config = loadConfig({ FM_DATA_DIR: dataDir });

const facility = commandRunner(config);

function secretOf(output: string): string {
  const match = /^secret: (\S+)$/m.exec(output);
  expect(match).not.toBeNull();
  return match![1]!;
}

async function storedHash(id: string): Promise<string | undefined> {
  return (await (await facility.store()).findDevice(id))?.secretHash;
}

describe('facility sites / devices', () => {
  beforeAll(async () => {
    expect(
      (await facility(sites, 'add', 'estate-1', '--name', '一号小区', '--address', '1 Example Road')).code,
    ).toBe(0);
  });
  afterAll(async () => {
    await facility.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('adds buildings and areas and lists sites as a table and as JSON', async () => {
    const b = await facility(
      sites,
      'add-building',
      'estate-1',
      'B3',
      '--name',
      'Building 3',
      '--floors',
      '18',
      '--basements',
      '2',
    );
    expect(b).toMatchObject({
      code: 0,
      out: 'building B3 added to estate-1: Building 3, floors 18, basements 2',
    });
    expect(
      (
        await facility(
          sites,
          'add-area',
          'estate-1',
          'pump-room',
          '--name',
          'B2 pump room',
          '--building',
          'B3',
        )
      ).code,
    ).toBe(0);
    const table = await facility(sites, 'list');
    expect(table.out.split('\n')[0]).toMatch(/^ID\s+TIMEZONE\s+BUILDINGS\s+AREAS\s+DEVICES\s+NAME$/);
    expect(table.out).toMatch(/estate-1\s+Asia\/Shanghai\s+1\s+1\s+0\s+一号小区/);
    const json = JSON.parse((await facility(sites, 'list', '--json')).out);
    expect(json).toEqual([
      expect.objectContaining({ id: 'estate-1', address: '1 Example Road', buildings: 1 }),
    ]);
    expect((await facility(sites, 'show', 'estate-1')).out).toContain(
      'area pump-room: B2 pump room (building B3)',
    );
  });

  it('adds a device, printing its secret once with the warning, and the secret verifies', async () => {
    const r = await facility(
      devices,
      'add',
      '--site',
      'estate-1',
      '--kind',
      'lift',
      '--id',
      'L-B3-2',
      '--building',
      'B3',
      '--floor=-2',
      '--location',
      'Building 3 lift 2',
      '--interval',
      '5',
      '--installed',
      '2021-06-30',
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      'device L-B3-2 registered: lift at estate-1 (building B3, floor -2, Building 3 lift 2)',
    );
    expect(r.out).toContain('store it now, it is not shown again');
    expect(await verifySecret(secretOf(r.out), (await storedHash('L-B3-2'))!)).toBe(true);

    const list = await facility(devices, 'list', '--site', 'estate-1');
    expect(list.out).toMatch(/L-B3-2\s+estate-1\s+lift\s+B3\s+-2\s+5s\s+active\s+Building 3 lift 2/);
    expect(list.out).toContain('1 device');
    expect(list.out).not.toContain(secretOf(r.out));
  });

  it('rotates (new secret works, old does not) and revokes; a revoked device is refused rotation', async () => {
    const added = await facility(devices, 'add', '--site', 'estate-1', '--kind', 'cctv', '--id', 'C-1');
    const rotated = await facility(devices, 'rotate', 'C-1');
    expect(rotated.code).toBe(0);
    const hash = (await storedHash('C-1'))!;
    expect(await verifySecret(secretOf(rotated.out), hash)).toBe(true);
    expect(await verifySecret(secretOf(added.out), hash)).toBe(false);

    const revoked = await facility(devices, 'revoke', 'C-1');
    expect(revoked).toMatchObject({ code: 0, out: expect.stringMatching(/^device C-1 revoked at \d{4}-/) });
    expect((await facility(devices, 'list', '--kind', 'cctv')).out).toBe('no devices match');
    expect((await facility(devices, 'list', '--kind', 'cctv', '--all')).out).toMatch(/C-1 .* revoked/);
    const again = await facility(devices, 'rotate', 'C-1');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^facility: device "C-1" is revoked/);
  });

  it('exits 2 with one line for command-line mistakes and invalid input', async () => {
    const unknownOption = await facility(devices, 'list', '--colour');
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.err).toBe(
      "facility devices list: unknown option '--colour' (`facility devices list --help` shows the usage)\n",
    );
    expect((await facility(sites, 'frobnicate')).err).toContain('unknown subcommand "frobnicate"');
    expect((await facility(devices, 'add', '--site', 'estate-1', '--kind', 'lift')).err).toContain(
      '--id is required',
    );
    expect(
      (await facility(devices, 'add', '--site', 'estate-1', '--kind', 'lift', '--id', 'x', '--floor', 'two'))
        .code,
    ).toBe(2);
    const badKind = await facility(devices, 'add', '--site', 'estate-1', '--kind', 'boiler', '--id', 'X-1');
    expect(badKind.code).toBe(2);
    expect(badKind.err).toMatch(/^facility: invalid device: kind:/);
    expect((await facility(sites, 'help')).out).toContain('add-building SITE ID');
  });

  it('exits 1 for domain refusals: missing site, duplicate device, embedded store in use', async () => {
    const noSite = await facility(devices, 'add', '--site', 'ghost', '--kind', 'pump', '--id', 'P-9');
    expect(noSite).toMatchObject({ code: 1, err: expect.stringContaining('site "ghost" does not exist') });
    const dup = await facility(devices, 'add', '--site', 'estate-1', '--kind', 'lift', '--id', 'L-B3-2');
    expect(dup).toMatchObject({ code: 1, err: expect.stringContaining('"L-B3-2" already registered') });

    // Opened as from the shell, so the command itself finds the store in use.
    await facility.close();
    const alone = commandRunner(config, { shareStore: false });
    const lock = join(dataDir, 'records', '.lock');
    mkdirSync(join(dataDir, 'records'), { recursive: true });
    writeFileSync(lock, `${process.ppid}\n`);
    try {
      const busy = await alone(devices, 'list');
      expect(busy.code).toBe(1);
      expect(busy.err).toContain(`in use by process ${process.ppid}`);
    } finally {
      rmSync(lock);
    }
  });
});
