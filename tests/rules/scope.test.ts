/**
 * The sites a rules worker acts on (rules/scope.ts) on the embedded store, with a fake engine: alone
 * it loads every device and saved state; sharing by leases, a worker that leaves hands its sites over
 * and the one that takes them replays what arrived after their saved state. The lease SQL is the same
 * on PostgreSQL, where tests/rules/handover.test.ts runs whole worker processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DecodedMessage, decode, encode } from '../../src/protocol/index.ts';
import { openRecords, type Records } from '../../src/records/index.ts';
import { createScope, type ScopeDeps } from '../../src/rules/scope.ts';
import { saveStates } from '../../src/rules/store.ts';
import { lendStore, storeDataDir } from '../support/shared-store.ts';
import { registerEstate, SECRET, silent } from './support.ts';

const HOUR = 3_600_000;

/** What the scope asked of the engine, in order. */
function fakeEngine() {
  const calls: string[] = [];
  const devices = new Set<string>();
  /** Where each device taken with its site starts its heartbeat clock, as the scope said. */
  const heard: Record<string, number | undefined> = {};
  const engine: ScopeDeps['engine'] = {
    setDevices: (list) => {
      devices.clear();
      for (const d of list) devices.add(d.id);
    },
    addDevices: (list, _now, heardAt) => {
      for (const d of list) {
        devices.add(d.id);
        heard[d.id] = heardAt?.(d.id);
      }
    },
    restore: (id) => calls.push(`restore ${id}`),
    handle: (m) => calls.push(`handle ${m.deviceId} ${(m.data as { seq: number }).seq}`),
    dropSites: (sites) => calls.push(`drop ${sites.join(',')}`),
  };
  return { engine, calls, devices, heard };
}

let seq = 0;
function alarm(site: string, deviceId: string): DecodedMessage {
  return decoded(
    encode({ site, kind: 'lift', deviceId }, 'event', { seq: ++seq, code: 'alarm_button', state: 'raised' }),
  );
}

function status(site: string, deviceId: string, state: 'online' | 'offline'): DecodedMessage {
  return decoded(encode({ site, kind: 'lift', deviceId }, 'status', { seq: ++seq, state }));
}

function decoded(m: { topic: string; payload: string }): DecodedMessage {
  const r = decode(m.topic, Buffer.from(m.payload));
  if (!r.ok) throw new Error(r.detail);
  return r.message;
}

describe('createScope', () => {
  let records: Records;
  const lift = (deviceId: string) => ({ deviceId, kind: 'lift' as const, secret: SECRET, building: 'T1' });
  beforeAll(async () => {
    records = await openRecords({ dataDir: storeDataDir('scope'), db: await lendStore(), log: silent });
    await registerEstate(records, 'p1', [lift('p1-L0'), lift('p1-L1')]);
    await registerEstate(records, 'p2', [lift('p2-L0')]);
  });
  afterAll(async () => {
    await records?.close();
  });

  const scopeOf = (workerId: string, shared: boolean, engine: ScopeDeps['engine'], now = () => 0) => {
    let windowReloads = 0;
    const scope = createScope({
      db: records.db,
      log: silent,
      engine,
      shared,
      workerId,
      ttlMs: HOUR, // no renewal comes due during the test: rounds happen on start, refresh and leave
      now,
      reloadWindows: async () => {
        windowReloads++;
      },
      idle: async () => {},
      schedule: () => {},
      count: () => {},
    });
    return { scope, windowReloads: () => windowReloads };
  };

  it('alone: every device and saved state, every message, saved as no lease holder', async () => {
    await saveStates(records.db, [{ id: 'p2-L0', state: { saved: true } }], new Date());
    const e = fakeEngine();
    const { scope, windowReloads } = scopeOf('solo', false, e.engine);
    await scope.start();
    expect([...e.devices].sort()).toEqual(['p1-L0', 'p1-L1', 'p2-L0']);
    expect(e.calls).toContain('restore p2-L0');
    expect(windowReloads()).toBe(1);
    expect(scope.holder).toBeUndefined();
    expect(scope.admit(alarm('p1', 'p1-L0'))).toBe(true);
    await scope.leave(false);
    expect(e.calls.filter((c) => c.startsWith('drop'))).toEqual([]);
  });

  it('shared: the leaver hands over; the taker restores and replays what came after the saved state', async () => {
    const a = fakeEngine();
    const wa = scopeOf('wa', true, a.engine);
    await wa.scope.start();
    expect(wa.scope.holder).toBe('wa');
    expect(wa.scope.admit(alarm('p1', 'p1-L0'))).toBe(true); // alone, it holds every site

    const b = fakeEngine();
    const wb = scopeOf('wb', true, b.engine);
    // Before it holds p1, wb only keeps p1's messages. p1-L1's state is saved after them (the owner's
    // last save); p1-L0 has no saved state, so all its messages are replayed.
    expect(wb.scope.admit(alarm('p1', 'p1-L0'))).toBe(false);
    expect(wb.scope.admit(alarm('p1', 'p1-L1'))).toBe(false);
    expect(wb.scope.admit(alarm('p1', 'p1-L0'))).toBe(false);
    await saveStates(records.db, [{ id: 'p1-L1', state: {} }], new Date(Date.now() + 60_000));

    await wa.scope.leave(false);
    expect(a.calls.at(-1)).toMatch(/^drop (p1,p2|p2,p1)$/);
    await wb.scope.start();
    expect([...b.devices].sort()).toEqual(['p1-L0', 'p1-L1', 'p2-L0']);
    expect(b.calls.filter((c) => c.startsWith('handle'))).toEqual([
      `handle p1-L0 ${seq - 2}`,
      `handle p1-L0 ${seq}`,
    ]);
    expect(b.calls).toContain('restore p1-L1');
    expect(wb.scope.admit(alarm('p2', 'p2-L0'))).toBe(true);

    // Leaving without handing over (the database is away): nothing is dropped here.
    await wb.scope.leave(true);
    expect(b.calls.filter((c) => c.startsWith('drop'))).toEqual([]);
  });

  it('shared: the taker starts each heartbeat clock where it last heard the device alive', async () => {
    await records.db.query('DELETE FROM leases'); // the last test's worker left its leases to lapse
    const a = fakeEngine();
    const wa = scopeOf('wa-clock', true, a.engine);
    await wa.scope.start();
    const b = fakeEngine();
    let t = 1000;
    const wb = scopeOf('wb-clock', true, b.engine, () => t);
    wb.scope.admit(status('p1', 'p1-L0', 'online'));
    t = 2000;
    wb.scope.admit(status('p1', 'p1-L1', 'offline')); // going offline says it is not alive
    wb.scope.admit(alarm('p2', 'p2-L0')); // an event restarts no heartbeat clock (engine.ts)
    t = 3000;
    wb.scope.admit(status('p1', 'p1-L0', 'online'));
    await wa.scope.leave(false);
    t = 9000;
    await wb.scope.start();
    expect(b.heard).toEqual({ 'p1-L0': 3000, 'p1-L1': undefined, 'p2-L0': undefined });
    await wb.scope.leave(false);
  });
});
