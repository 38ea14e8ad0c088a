import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { demoDevices } from '../../src/demo/estate.ts';
import { provisionDemoEstate } from '../../src/demo/provision.ts';
import { openRecords } from '../../src/records/index.ts';
import { verifySecret } from '../../src/records/secrets.ts';
import { lendStore, storeDataDir } from '../support/shared-store.ts';

const log = pino({ level: 'silent' });
const dataDir = storeDataDir('demo');

describe('demo estate provisioning', async () => {
  const records = await openRecords({ dataDir, db: await lendStore(), log });
  afterAll(async () => {
    await records.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers every demo device once and keeps its credentials across starts', async () => {
    const first = await provisionDemoEstate(records, dataDir, log);
    expect(first.map((c) => c.deviceId).sort()).toEqual(
      demoDevices()
        .map((d) => d.deviceId)
        .sort(),
    );
    const sample = first[0]!;
    expect(await verifySecret(sample.secret, (await records.findDevice(sample.deviceId))!.secretHash)).toBe(
      true,
    );
    const second = await provisionDemoEstate(records, dataDir, log);
    expect(second).toEqual(first);
    expect((await records.listDevices({ site: 'demo' })).length).toBe(first.length);
  });

  it('rotates the secrets when the credentials file is lost', async () => {
    const before = await provisionDemoEstate(records, dataDir, log);
    rmSync(join(dataDir, 'demo-credentials.json'));
    const after = await provisionDemoEstate(records, dataDir, log);
    const device = after.find((c) => c.deviceId === before[0]!.deviceId)!;
    expect(device.secret).not.toBe(before[0]!.secret);
    expect(await verifySecret(device.secret, (await records.findDevice(device.deviceId))!.secretHash)).toBe(
      true,
    );
  });

  it('leaves a revoked demo device out of the fleet', async () => {
    const all = await provisionDemoEstate(records, dataDir, log);
    await records.revokeDevice(all[0]!.deviceId);
    rmSync(join(dataDir, 'demo-credentials.json'));
    const after = await provisionDemoEstate(records, dataDir, log);
    expect(after.map((c) => c.deviceId)).not.toContain(all[0]!.deviceId);
    expect(after.length).toBe(all.length - 1);
  });
});
