/**
 * The demo's people and faults: one sign-in per role that works on the console, kept across starts
 * and renewed when its file is lost; an engineer and a guard on duty; faults of every kind now and
 * then, each cleared again.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { LoginStore } from '../../src/api/console/logins.ts';
import { verifyPassword } from '../../src/api/console/passwords.ts';
import { demoDevices } from '../../src/demo/estate.ts';
import { DEMO_FAULTS, startDemoFaults } from '../../src/demo/faults.ts';
import { provisionDemoEstate } from '../../src/demo/provision.ts';
import { provisionDemoStaff } from '../../src/demo/staff.ts';
import { openRecords } from '../../src/records/index.ts';
import { openServiceDesk } from '../../src/records/service/index.ts';
import { TEST_PASSWORD_COST } from '../api/support.ts';
import { lendStore, storeDataDir } from '../support/shared-store.ts';

const log = pino({ level: 'silent' });

describe('demo staff', async () => {
  const dataDir = storeDataDir('demo-staff');
  const records = await openRecords({ dataDir, db: await lendStore(), log });
  const desk = openServiceDesk({ db: records.db, log, lang: 'en' });
  // The console's test cost for scrypt (tests/api/support.ts): the production cost is 18 hashes of 64 MiB here.
  const provision = () => provisionDemoStaff(records, desk, dataDir, log, Date.now, TEST_PASSWORD_COST);
  afterAll(async () => {
    await records.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives every role a sign-in, keeps it across starts, and renews it when the file is lost', async () => {
    await provisionDemoEstate(records, dataDir, log);
    const first = await provision();
    expect(first.map((s) => s.role).sort()).toEqual([
      'admin',
      'engineer',
      'front_desk',
      'guard',
      'manager',
      'supervisor',
    ]);
    const logins = new LoginStore(records.db, Date.now);
    for (const s of first) {
      const row = await logins.find(s.username);
      expect(await verifyPassword(s.password, row!.passwordHash!)).toBe(true);
    }
    expect(await provision()).toEqual(first);
    rmSync(join(dataDir, 'demo-sign-ins.json'));
    const renewed = await provision();
    expect(renewed[0]!.password).not.toBe(first[0]!.password);
    expect((await desk.listStaff('demo')).length).toBe(first.length);
  });

  it('puts an engineer and a guard on duty round the clock, once', async () => {
    await provision();
    for (const trade of ['engineering', 'security'] as const) {
      const night = await desk.dutyNow({ site: 'demo', trade, at: new Date('2025-03-08T19:30:00Z') });
      expect(night.staffId).toBe(trade === 'engineering' ? 'engineer' : 'guard');
    }
    expect((await desk.listShifts({ site: 'demo' })).length).toBe(2);
  });

  it('divides the estate into two zones and schedules the night lighting round, once', async () => {
    await provision();
    const zones = await desk.listZones('demo');
    expect(zones.map((z) => [z.id, z.buildings, z.people])).toEqual([
      ['north', ['B1', 'B2', 'B3'], { engineering: ['engineer'], security: ['guard'] }],
      ['south', ['B4', 'B5', 'B6'], { engineering: ['engineer'], security: ['guard'] }],
    ]);
    const [route] = await desk.listRoutes('demo');
    expect(route).toMatchObject({
      id: 'night-lighting',
      trade: 'security',
      faultKinds: ['lighting', 'lift'],
    });
    expect(route!.checkpoints).toHaveLength(5);
    expect(route!.schedules.map((s) => s.starts)).toEqual(['04:00']);
    const pick = await desk.dutyNow({ site: 'demo', trade: 'engineering', building: 'B5' });
    expect(pick).toMatchObject({ staffId: 'engineer', via: 'zone', zone: 'south' });
  });
});

describe('demo faults', () => {
  it('raises a few faults an hour, of every kind in turn, and clears each', () => {
    vi.useFakeTimers();
    try {
      const events: string[] = [];
      const fleet = {
        inject: (id: string, fault: string, action: 'raise' | 'clear') => {
          events.push(`${action} ${id} ${fault}`);
          return true;
        },
      };
      let n = 0;
      const random = () => (n++ % 7) / 7; // deterministic, spread over [0, 1)
      const faults = startDemoFaults(fleet, demoDevices(), log, {}, random);
      vi.advanceTimersByTime(2 * 60_000 - 1);
      expect(events).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(events[0]).toMatch(/^raise L-B\d-\d entrapment$/);
      vi.advanceTimersByTime(3 * 3600_000);
      const raised = events.filter((e) => e.startsWith('raise'));
      expect(raised.length).toBeGreaterThanOrEqual(3);
      expect(raised.length).toBeLessThanOrEqual(30);
      const kinds = new Set(raised.slice(0, DEMO_FAULTS.length).map((e) => e.split(' ')[2]));
      expect(kinds.size).toBe(DEMO_FAULTS.length);
      faults.stop();
      // Every fault raised was cleared, by its timer or by stop().
      for (const r of raised) expect(events).toContain(r.replace('raise', 'clear'));
      const after = events.length;
      vi.advanceTimersByTime(3600_000);
      expect(events.length).toBe(after);
    } finally {
      vi.useRealTimers();
    }
  });
});
