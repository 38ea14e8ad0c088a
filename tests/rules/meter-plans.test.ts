/**
 * A meter-driven maintenance plan over real MQTT: a simulated lift publishes its telemetry to
 * mosquitto, rules passes `runs_total` to the desk, and the plan "every N runs" generates a job each
 * time the counter passes the next multiple of N from the first reading, exactly as a reader of the
 * published telemetry computes by hand.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rules } from '../../src/rules/index.ts';
import type { RunningServer } from '../support/servers.ts';
import {
  FakeClock,
  openStore,
  PUBLISHER,
  registerEstate,
  rulesFor,
  SECRET,
  Sim,
  type Store,
  startBroker,
} from './support.ts';

const SITE = 'meters';
/** 08:00 in Shanghai on a Monday: the morning rush, the lift runs often. */
const START = Date.parse('2025-06-16T00:00:00Z');
const STEP = 4;

describe('meter-driven maintenance plan over MQTT', () => {
  let broker: RunningServer & { url: string };
  let store: Store;
  let rules: Rules;
  let sim: Sim;
  const clock = new FakeClock(START);
  const seen: number[] = [];
  let watcher: mqtt.MqttClient;
  let jobId: number;

  beforeAll(async () => {
    broker = await startBroker(['L-1']);
    store = await openStore(clock);
    await registerEstate(store.records, SITE, [
      { deviceId: 'L-1', kind: 'lift', secret: SECRET, building: 'T1' },
    ]);
    await store.desk.addStaff({
      id: 'sup',
      name: 'Supervisor',
      roles: ['supervisor'],
      trades: ['engineering'],
    });
    watcher = await mqtt.connectAsync(broker.url, {
      username: PUBLISHER,
      password: SECRET,
      clientId: 'meter-watch',
    });
    watcher.on('message', (_t, payload) => seen.push(JSON.parse(payload.toString()).runs_total));
    await watcher.subscribeAsync(`fm/${SITE}/lift/L-1/telemetry`, { qos: 1 });
    rules = await rulesFor(broker.url, store, clock, { meterSampleMs: 0 });
    sim = await Sim.start(broker.url, SITE, clock, [
      { deviceId: 'L-1', kind: 'lift', secret: SECRET, building: 'T1', interval_s: 10 },
    ]);
  });

  afterAll(async () => {
    await sim?.stop();
    await watcher?.endAsync();
    await rules?.stop();
    await store?.close();
    await broker?.stop();
  });

  it('generates a job each time runs_total passes the next multiple of the step', async () => {
    const plan = await store.desk.addPlan({
      site: SITE,
      scope: 'device',
      device: 'L-1',
      template: 'lift-runs',
      meter: { field: 'runs_total', every: STEP },
    });
    await sim.run(rules, 20 * 60_000, 5000);
    await rules.idle();
    await new Promise((r) => setTimeout(r, 50)); // the watching client's last messages
    expect(seen.length).toBeGreaterThan(100);
    const base = seen[0]!;
    expect(seen.at(-1)! - base).toBeGreaterThanOrEqual(3 * STEP); // the lift did run
    const expected: { seq: number; value: number }[] = [];
    for (const v of seen) {
      const k = Math.floor((v - base) / STEP);
      if (k >= 1 && k > (expected.at(-1)?.seq ?? 0)) expected.push({ seq: k, value: v });
    }
    const jobs = await store.records.db.query<{ seq: number; value: number; recordId: number }>(
      `SELECT seq, meter_value AS value, record_id AS "recordId" FROM maintenance_jobs
       WHERE plan_id = $1 AND trigger = 'meter' ORDER BY seq`,
      [plan.id],
    );
    expect(jobs.map(({ seq, value }) => ({ seq, value }))).toEqual(expected);
    const first = await store.desk.getRecord(jobs[0]!.recordId);
    expect(first).toMatchObject({
      type: 'maintenance',
      source: 'plan',
      deviceId: 'L-1',
      state: 'dispatched',
      assigneeId: 'sup',
    });
    expect((await store.desk.getChecklist(first.id)).length).toBeGreaterThan(5);
    jobId = first.id;
  }, 120_000);

  it('holds the device’s faults back while the job is worked, and raises one still on when it is completed', async () => {
    const sup = { id: 'sup', role: 'supervisor' as const };
    const faults = () =>
      store.records.db.query<{ id: number }>(
        `SELECT id FROM service_records WHERE device_id = 'L-1' AND fault_code = 'door_lock_fault'`,
      );
    for (const a of ['acknowledge', 'arrive']) await store.desk.transition(jobId, a, sup);
    await store.desk.transition(jobId, 'plan', sup, { durationMin: 60, residentAgreed: true });
    await store.desk.transition(jobId, 'start', sup);
    // The engineer opens the landing door lock circuit to work on it: the device reports the fault.
    expect(sim.models.get('L-1')!.raise('door_lock_fault')).toBe(true);
    await sim.run(rules, 2 * 60_000, 5000);
    await rules.idle();
    expect(await faults()).toEqual([]);
    expect(rules.counters().suppressedMaintenance).toBeGreaterThan(0);
    for (const item of await store.desk.getChecklist(jobId))
      await store.desk.checkItem(jobId, item.position, { result: 'done' }, sup);
    await store.desk.transition(jobId, 'complete', sup, { workMinutes: 30 });
    await sim.run(rules, 60_000, 5000);
    await rules.idle();
    expect(await faults()).toHaveLength(1);
  }, 120_000);
});
