/**
 * Once, on time: flapping, repeats, redelivered messages, counting, derived state and maintenance
 * windows, over mosquitto with rules on PGlite and a fake clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../../src/protocol/index.ts';
import type { Rules } from '../../src/rules/index.ts';
import type { RunningServer } from '../support/servers.ts';
import {
  type EstateDevice,
  FakeClock,
  openStore,
  registerEstate,
  rulesFor,
  Sim,
  type Store,
  startBroker,
} from './support.ts';

const SITE = 'b';
const MIN = 60_000;
const devices: EstateDevice[] = [
  { deviceId: 'NVR-flap', kind: 'cctv', secret: 'x', building: 'T1' },
  { deviceId: 'L-repeat', kind: 'lift', secret: 'x', building: 'T1' },
  { deviceId: 'L-doors', kind: 'lift', secret: 'x', building: 'T1' },
  { deviceId: 'L-trap', kind: 'lift', secret: 'x', building: 'T1' },
  { deviceId: 'P-maint', kind: 'pump', secret: 'x', building: 'T1' },
  { deviceId: 'P-brief', kind: 'pump', secret: 'x', building: 'T1' },
  { deviceId: 'LC-trip', kind: 'lighting', secret: 'x', building: 'T1', mode: 'schedule' },
];

let broker: RunningServer & { url: string };
let store: Store;
let rules: Rules;
let sim: Sim;
// 22:00 in Shanghai: lighting circuits are on.
const clock = new FakeClock(Date.parse('2025-06-16T14:00:00Z'));
const model = (id: string) => sim.models.get(id)!;
const recordsOf = async (id: string) => (await store.desk.listRecords({ deviceId: id, limit: 100 })).records;

beforeAll(async () => {
  broker = await startBroker();
  store = await openStore(clock);
  await registerEstate(store.records, SITE, devices);
  rules = await rulesFor(broker.url, store, clock, {}, 'service-rules-behaviour');
  sim = await Sim.start(broker.url, SITE, clock, devices);
  await sim.run(rules, MIN);
});

afterAll(async () => {
  await sim?.stop();
  await rules?.stop();
  await store?.close();
  await broker?.stop();
});

describe('rules over mosquitto with a fake clock', () => {
  it('damps a flapping fault: one record and one alert, recovered once it stays clear', async () => {
    for (let i = 0; i < 8; i++) {
      model('NVR-flap').raise('tamper');
      await sim.run(rules, 10_000);
      model('NVR-flap').clear('tamper');
      await sim.run(rules, 10_000);
    }
    let [r] = await recordsOf('NVR-flap');
    expect(r?.faultCode).toBe('tamper');
    expect(r?.recoveredAt).toBeNull();
    // Flapping: a clear must last the hold time (600 s by default), not the usual 30 s.
    await sim.run(rules, 5 * MIN, 10_000);
    expect((await recordsOf('NVR-flap'))[0]?.recoveredAt).toBeNull();
    await sim.run(rules, 6 * MIN, 10_000);
    [r] = await recordsOf('NVR-flap');
    expect(await recordsOf('NVR-flap')).toHaveLength(1);
    expect(r!.occurrences).toBe(1);
    expect(r!.recoveredAt).not.toBeNull();
    const alerts = (await store.desk.listAlerts({ limit: 100 })).alerts.filter(
      (a) => a.deviceId === 'NVR-flap',
    );
    expect(alerts).toHaveLength(1);
  });

  it('adds a repeat to the open record as an occurrence, with a recovery note for each', async () => {
    model('L-repeat').raise('safety_circuit_open');
    await sim.run(rules, 2 * MIN);
    model('L-repeat').clear('safety_circuit_open');
    await sim.run(rules, 2 * MIN);
    model('L-repeat').raise('safety_circuit_open');
    await sim.run(rules, 2 * MIN);
    model('L-repeat').clear('safety_circuit_open');
    await sim.run(rules, 2 * MIN);
    const rs = await recordsOf('L-repeat');
    expect(rs.map((r) => [r.faultCode, r.occurrences])).toEqual([['safety_circuit_open', 2]]);
    const history = (await store.desk.getRecord(rs[0]!.id)).history.map((h) => h.action);
    expect(history.filter((a) => a === 'recovered')).toHaveLength(2);
    expect(history.filter((a) => a === 'occurred')).toHaveLength(1);
  });

  it('ignores a redelivered event: same message twice, one record', async () => {
    const before = rules.counters().messages ?? 0;
    const ts = clock.t;
    const msg = encode({ site: SITE, kind: 'lift', deviceId: 'L-repeat' }, 'event', {
      ts,
      seq: 900_001,
      code: 'overspeed',
    });
    for (let i = 0; i < 3; i++) await sim.client.publishAsync(msg.topic, msg.payload, { qos: 1 });
    sim.published += 3;
    await sim.run(rules, 10_000);
    expect(rules.counters().messages).toBeGreaterThanOrEqual(before + 3);
    const rs = (await recordsOf('L-repeat')).filter((r) => r.faultCode === 'overspeed');
    expect(rs.map((r) => r.occurrences)).toEqual([1]);
  });

  it('counts door faults: three within the hour is a fault of its own', async () => {
    for (const code of ['door_open_failure', 'door_close_failure', 'door_open_failure']) {
      model('L-doors').raise(code);
      await sim.run(rules, MIN);
      model('L-doors').clear(code);
      await sim.run(rules, 2 * MIN);
    }
    const rs = await recordsOf('L-doors');
    expect(rs.map((r) => `${r.faultCode} ${r.occurrences}`).sort()).toEqual([
      'door_close_failure 1',
      'door_faults_repeated 1',
      'door_open_failure 2',
    ]);
    // The counting fault clears itself when the hour has passed.
    await sim.run(rules, 61 * MIN, 30_000);
    expect(
      (await recordsOf('L-doors')).find((r) => r.faultCode === 'door_faults_repeated')?.recoveredAt,
    ).not.toBeNull();
  });

  it('derives states the controller never reports: an entrapment and a tripped circuit', async () => {
    // Readings only: the model's state without its event (a controller that says nothing).
    const lift = model('L-trap') as unknown as {
      active: Set<string>;
      apply(c: string, on: boolean): boolean;
    };
    lift.apply('entrapment', true);
    lift.active.add('entrapment');
    const lc = model('LC-trip') as unknown as { active: Set<string> };
    lc.active.add('circuit_trip');
    await sim.run(rules, 20_000);
    expect(await recordsOf('L-trap')).toHaveLength(0); // 30 s not reached yet
    await sim.run(rules, MIN);
    const [trap] = await recordsOf('L-trap');
    expect([trap?.faultCode, trap?.priority]).toEqual(['entrapment', 'emergency']);
    expect((trap!.evidence as { rule: string }).rule).toBe('lift-entrapment-derived');
    const [trip] = await recordsOf('LC-trip');
    expect([trip?.faultCode, (trip!.evidence as { rule: string }).rule]).toEqual([
      'circuit_trip',
      'lighting-trip-derived',
    ]);
    const alerts = (await store.desk.listAlerts({ limit: 100 })).alerts.filter(
      (a) => a.deviceId === 'L-trap',
    );
    expect(alerts.map((a) => a.code)).toEqual(['entrapment']);
  });

  it('suppresses faults under maintenance and raises one that persists past the window', async () => {
    const start = new Date(clock.t);
    const end = new Date(clock.t + 5 * MIN);
    await store.records.addMaintenanceWindow({
      site: SITE,
      scope: 'device',
      target: 'P-maint',
      startsAt: start,
      endsAt: end,
    });
    await store.records.addMaintenanceWindow({
      site: SITE,
      scope: 'area',
      target: 'tower1-lobby',
      startsAt: start,
      endsAt: end,
    });
    await rules.refresh();
    model('P-maint').raise('flooding');
    model('P-brief').raise('pump_fault');
    await sim.run(rules, 2 * MIN);
    model('P-brief').clear('pump_fault');
    await sim.run(rules, 2 * MIN);
    expect(await recordsOf('P-maint')).toHaveLength(0);
    expect(rules.counters().suppressedMaintenance).toBeGreaterThanOrEqual(2);
    await sim.run(rules, 2 * MIN);
    const [r] = await recordsOf('P-maint');
    expect(r?.faultCode).toBe('flooding');
    expect((r!.evidence as { afterMaintenance?: boolean }).afterMaintenance).toBe(true);
    expect(r!.faultAt!.getTime()).toBeGreaterThanOrEqual(end.getTime());
    // Cleared within the window: never raised, not even after it.
    expect(await recordsOf('P-brief')).toHaveLength(0);
  });
});
