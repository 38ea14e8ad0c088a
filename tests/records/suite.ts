/**
 * The domain suite every store runs: the same expectations against embedded PGlite and a real
 * PostgreSQL, so the one SQL dialect stays one.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecords, type Records, RecordsError } from '../../src/records/index.ts';
import { loadMigrations } from '../../src/records/migrate.ts';
import { verifyBrokerHash, verifySecret } from '../../src/records/secrets.ts';

export const silent = pino({ level: 'silent' });

export interface StoreUnderTest {
  /** Options for openRecords; opening twice must reach the same data. */
  options: () => { databaseUrl?: string; dataDir: string };
}

async function refusal(promise: Promise<unknown>): Promise<RecordsError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RecordsError);
  return err as RecordsError;
}

export function recordsSuite(
  name: string,
  setup: () => Promise<StoreUnderTest>,
  teardown: () => Promise<void>,
) {
  describe(`records on ${name}`, () => {
    let store: StoreUnderTest;
    let records: Records;
    const clock = { t: Date.parse('2025-03-01T08:00:00Z') };
    const open = () => openRecords({ ...store.options(), log: silent, now: () => clock.t });

    beforeAll(async () => {
      store = await setup();
      records = await open();
      await records.addSite({ id: 'estate-1', name: '一号小区', address: '1 Example Road' });
      await records.addBuilding({ site: 'estate-1', id: 'B3', name: 'Building 3', floors: 18, basements: 2 });
    });
    afterAll(async () => {
      await records?.close();
      await teardown();
    });

    it('migrations are recorded once and reopening applies nothing twice', async () => {
      await records.close();
      records = await open();
      const rows = await records.db.query<{ version: string }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
      expect((await records.listSites()).map((s) => s.id)).toContain('estate-1');
    });

    it('adds and lists sites, buildings and areas', async () => {
      const site = await records.addSite({ id: 'estate-2', name: 'Garden Court' });
      expect(site).toMatchObject({ id: 'estate-2', timezone: 'Asia/Shanghai', address: null });
      expect(site.createdAt.toISOString()).toBe('2025-03-01T08:00:00.000Z');
      await records.addBuilding({ site: 'estate-2', id: 'T1', name: 'Tower 1', floors: 33 });
      await records.addArea({ site: 'estate-2', id: 'garage', name: 'Garage' });
      await records.addArea({ site: 'estate-2', id: 'T1-lobby', name: 'Lobby', building: 'T1' });
      const detail = await records.getSite('estate-2');
      expect(detail.buildings).toEqual([
        { site: 'estate-2', id: 'T1', name: 'Tower 1', floors: 33, basements: 0 },
      ]);
      expect(detail.areas.map((a) => [a.id, a.building])).toEqual([
        ['T1-lobby', 'T1'], // byte order (COLLATE "C"), whatever the cluster's locale
        ['garage', null],
      ]);
      const listed = (await records.listSites()).find((s) => s.id === 'estate-2');
      expect(listed).toMatchObject({ buildings: 1, areas: 2, devices: 0 });
      expect((await refusal(records.addSite({ id: 'estate-2', name: 'again' }))).code).toBe('site-exists');
      expect((await refusal(records.addBuilding({ site: 'nope', id: 'X', name: 'X' }))).code).toBe(
        'site-not-found',
      );
      expect(
        (await refusal(records.addArea({ site: 'estate-2', id: 'a', name: 'A', building: 'T9' }))).code,
      ).toBe('building-not-found');
      expect((await refusal(records.getSite('nope'))).code).toBe('site-not-found');
    });

    it('refuses bad ids, kinds, time zones and dates with invalid-input naming the field', async () => {
      const bad = [
        records.addSite({ id: 'has space', name: 'x' }),
        records.addSite({ id: 'tz', name: 'x', timezone: 'Mars/Olympus' }),
        records.addDevice({ id: 'd/1', site: 'estate-1', kind: 'lift' }),
        records.addDevice({ id: 'd1', site: 'estate-1', kind: 'boiler' as 'lift' }),
        records.addDevice({ id: 'd1', site: 'estate-1', kind: 'lift', installedOn: '2025-13-01' }),
        records.addDevice({ id: 'd1', site: 'estate-1', kind: 'lift', building: 'B3', floor: 19 }),
      ];
      const errors = await Promise.all(bad.map(refusal));
      expect(errors.map((e) => e.code)).toEqual(Array(6).fill('invalid-input'));
      expect(errors[0]!.message).toMatch(/^invalid site: id:/);
      expect(errors[1]!.message).toContain('timezone');
      expect(errors[3]!.message).toContain('kind');
      expect(errors[5]!.message).toContain('floors -2 to 18');
      expect(await records.listDevices({ includeRevoked: true })).toEqual([]);
    });

    it('adds a device with a secret that verifies and is stored only as a hash', async () => {
      const { device, secret } = await records.addDevice({
        id: 'L-B3-2',
        site: 'estate-1',
        kind: 'lift',
        model: 'TK-EVO-200',
        building: 'B3',
        floor: -2,
        location: 'Building 3 lift 2',
        installedOn: '2021-06-30',
      });
      expect(device).toMatchObject({ id: 'L-B3-2', building: 'B3', floor: -2, intervalS: 10 });
      expect(device.installedOn).toBe('2021-06-30');
      expect(device.revokedAt).toBeNull();
      const found = await records.findDevice('L-B3-2');
      expect(found).toMatchObject({ deviceId: 'L-B3-2', site: 'estate-1', kind: 'lift', revokedAt: null });
      expect(await verifySecret(secret, found!.secretHash)).toBe(true);
      expect(await verifySecret(`${secret}x`, found!.secretHash)).toBe(false);
      const dump = await records.db.query<{ row: string }>('SELECT d::text AS row FROM devices d');
      expect(dump.length).toBeGreaterThan(0);
      for (const { row } of dump) expect(row).not.toContain(secret);
      expect(await records.findDevice('unknown')).toBeUndefined();
      expect(await records.findDevice('not valid/id')).toBeUndefined();
    });

    it('refuses a duplicate device and a device on a missing site or building', async () => {
      await records.addDevice({ id: 'P-1', site: 'estate-1', kind: 'pump', location: 'B2 pump room' });
      expect((await refusal(records.addDevice({ id: 'P-1', site: 'estate-1', kind: 'pump' }))).code).toBe(
        'device-exists',
      );
      expect((await refusal(records.addDevice({ id: 'P-2', site: 'ghost', kind: 'pump' }))).code).toBe(
        'site-not-found',
      );
      const e = await refusal(
        records.addDevice({ id: 'P-2', site: 'estate-1', kind: 'pump', building: 'B9' }),
      );
      expect(e.code).toBe('building-not-found');
      expect(await records.findDevice('P-2')).toBeUndefined();
    });

    it("keeps mosquitto's form of each secret's hash, replaced on rotation, and tells this process each secret issued", async () => {
      const issued: { deviceId: string; secret: string }[] = [];
      const off = records.onSecretsIssued((batch) => issued.push(...batch));
      const { secret: first } = await records.addDevice({ id: 'M-1', site: 'estate-1', kind: 'pump' });
      const [account, ...more] = await records.brokerAccounts(['M-1', 'M-404']);
      expect(more).toEqual([]);
      expect(account).toMatchObject({ site: 'estate-1', kind: 'pump', revoked: false });
      expect(account!.brokerHash).toMatch(/^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
      expect(verifyBrokerHash(first, account!.brokerHash!)).toBe(true);
      const second = await records.rotateDeviceSecret('M-1');
      const rotated = (await records.brokerAccounts()).find((a) => a.deviceId === 'M-1')!.brokerHash!;
      expect(verifyBrokerHash(first, rotated)).toBe(false);
      expect(verifyBrokerHash(second, rotated)).toBe(true);
      await records.revokeDevice('M-1');
      expect((await records.brokerAccounts()).find((a) => a.deviceId === 'M-1')!.revoked).toBe(true);
      off();
      await records.rotateDeviceSecret('M-1').catch(() => {}); // refused, and nobody is told
      expect(issued).toEqual([
        { deviceId: 'M-1', secret: first },
        { deviceId: 'M-1', secret: second },
      ]);
    });

    it('rotating invalidates the old secret; revoking is final and refuses rotation', async () => {
      const { secret: first } = await records.addDevice({ id: 'C-1', site: 'estate-1', kind: 'cctv' });
      clock.t += 60_000;
      const second = await records.rotateDeviceSecret('C-1');
      expect(second).not.toBe(first);
      const hash = (await records.findDevice('C-1'))!.secretHash;
      expect(await verifySecret(first, hash)).toBe(false);
      expect(await verifySecret(second, hash)).toBe(true);
      expect((await records.getDevice('C-1')).secretRotatedAt?.toISOString()).toBe(
        '2025-03-01T08:01:00.000Z',
      );

      const revoked = await records.revokeDevice('C-1');
      expect(revoked.revokedAt?.toISOString()).toBe('2025-03-01T08:01:00.000Z');
      expect((await records.findDevice('C-1'))!.revokedAt).toBeInstanceOf(Date);
      expect((await refusal(records.rotateDeviceSecret('C-1'))).code).toBe('device-revoked');
      clock.t += 60_000;
      expect((await records.revokeDevice('C-1')).revokedAt).toEqual(revoked.revokedAt);
      expect((await refusal(records.revokeDevice('C-404'))).code).toBe('device-not-found');
      expect((await refusal(records.rotateDeviceSecret('C-404'))).code).toBe('device-not-found');

      expect((await records.listDevices({ kind: 'cctv' })).map((d) => d.id)).toEqual([]);
      expect((await records.listDevices({ kind: 'cctv', includeRevoked: true })).map((d) => d.id)).toEqual([
        'C-1',
      ]);
    });

    it('adds a batch in one transaction: all devices or none', async () => {
      await records.addSite({ id: 'fleet', name: 'Simulated fleet' });
      const batch = Array.from({ length: 1500 }, (_, i) => ({
        id: `sim-${i}`,
        site: 'fleet',
        kind: 'lighting' as const,
        intervalS: 30,
        secret: 'fleet-secret-0123456789',
      }));
      const issued = await records.addDevices(batch);
      expect(issued).toHaveLength(1500);
      expect(issued[1499]).toMatchObject({
        device: { id: 'sim-1499', intervalS: 30 },
        secret: batch[0]!.secret,
      });
      expect(await records.listDevices({ site: 'fleet' })).toHaveLength(1500);
      const hash = (await records.findDevice('sim-777'))!.secretHash;
      expect(await verifySecret('fleet-secret-0123456789', hash)).toBe(true);

      const mixed = [
        { id: 'sim-new-1', site: 'fleet', kind: 'pump' as const },
        { id: 'sim-3', site: 'fleet', kind: 'pump' as const },
      ];
      expect((await refusal(records.addDevices(mixed))).code).toBe('device-exists');
      expect(await records.findDevice('sim-new-1')).toBeUndefined();
      const twice = [mixed[0]!, mixed[0]!];
      expect((await refusal(records.addDevices(twice))).message).toContain('"sim-new-1"');
    });

    it('generated secrets in a batch are distinct and each verifies', async () => {
      const issued = await records.addDevices(
        ['g1', 'g2', 'g3'].map((id) => ({ id, site: 'estate-1', kind: 'lighting' as const })),
      );
      expect(new Set(issued.map((i) => i.secret)).size).toBe(3);
      for (const { device, secret } of issued) {
        expect(await verifySecret(secret, (await records.findDevice(device.id))!.secretHash)).toBe(true);
      }
    });

    it('feeds rotations and revocations to the broker, and takes an upgraded hash only if unchanged', async () => {
      await records.addDevice({ id: 'C-9', site: 'estate-1', kind: 'cctv' });
      await records.addDevice({ id: 'C-10', site: 'estate-1', kind: 'cctv' });
      const start = await records.changedDevices(undefined);
      expect(start.devices).toEqual([]);
      await records.rotateDeviceSecret('C-9');
      await records.revokeDevice('C-10');
      const changed = await records.changedDevices(start.cursor);
      const byId = new Map(changed.devices.map((d) => [d.deviceId, d]));
      expect(byId.get('C-9')?.secretRotatedAt).toBeInstanceOf(Date);
      expect(byId.get('C-10')?.revokedAt).toBeInstanceOf(Date);
      expect(byId.has('L-B3-2')).toBe(false); // never rotated nor revoked

      const hash = (await records.findDevice('C-9'))!.secretHash;
      await records.upgradeSecretHash('C-9', 'not-the-stored-hash', 'ignored');
      expect((await records.findDevice('C-9'))!.secretHash).toBe(hash);
      await records.upgradeSecretHash('C-9', hash, 'hmac-sha256$x$y');
      expect((await records.findDevice('C-9'))!.secretHash).toBe('hmac-sha256$x$y');
    });
  });
}
