/**
 * End to end: mosquitto, simulator models publishing through protocol's encoder, rules, records.
 * tests/rules/fixtures/every-fault.json injects each fault of each kind on a device of its own;
 * exactly the expected records and patrol alerts come out, with priority, trade, location,
 * evidence, and a recovery note each.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS, type Kind } from '../../src/protocol/index.ts';
import type { Rules } from '../../src/rules/index.ts';
import { parseScenario, resolveScenario, ScenarioPlayer } from '../../src/simulators/index.ts';
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

const SITE = 'estate';
/** 10:00 in Shanghai in June: daylight, so lit_in_daylight shows and circuits are off. */
const START = Date.parse('2025-06-16T02:00:00Z');
const MIN = 60_000;
const PREFIX: Record<Kind, string> = { lift: 'L', pump: 'P', lighting: 'LC', cctv: 'NVR' };

/** fault -> [priority, trade, patrol alert]: the default rule set as docs/rules.md states it. */
export const EXPECTED: Record<string, [string, string, boolean]> = {
  entrapment: ['emergency', 'engineering', true],
  moving_door_open: ['emergency', 'engineering', false],
  stop_outside_door_zone: ['urgent', 'engineering', false],
  overspeed: ['emergency', 'engineering', false],
  top_overtravel: ['emergency', 'engineering', false],
  bottom_overtravel: ['emergency', 'engineering', false],
  safety_circuit_open: ['urgent', 'engineering', false],
  door_lock_fault: ['urgent', 'engineering', false],
  door_open_failure: ['urgent', 'engineering', false],
  door_close_failure: ['normal', 'engineering', false],
  power_loss: ['urgent', 'engineering', false],
  alarm_button: ['urgent', 'security', true],
  outlet_pressure_low: ['urgent', 'engineering', false],
  outlet_pressure_high: ['urgent', 'engineering', false],
  tank_level_low: ['urgent', 'engineering', false],
  tank_level_high: ['normal', 'engineering', false],
  pump_fault: ['normal', 'engineering', false],
  all_pumps_stopped: ['emergency', 'engineering', false],
  flooding: ['emergency', 'engineering', false],
  chlorine_out_of_range: ['urgent', 'engineering', false],
  turbidity_high: ['urgent', 'engineering', false],
  circuit_trip: ['urgent', 'engineering', false],
  lamps_failed: ['low', 'engineering', false],
  lit_in_daylight: ['low', 'engineering', false],
  emergency_battery_fault: ['normal', 'fire', false],
  camera_offline: ['normal', 'security', true],
  video_loss: ['normal', 'security', true],
  not_recording: ['urgent', 'security', false],
  disk_failure: ['normal', 'security', false],
  tamper: ['urgent', 'security', true],
  intrusion: ['emergency', 'security', true],
  heartbeat_lost: ['normal', 'engineering', false],
  offline: ['normal', 'engineering', false],
};
const READINGS_ONLY = ['chlorine_out_of_range', 'turbidity_high', 'lamps_failed', 'lit_in_daylight'];

export function faultsSuite(name: string, databaseUrl: () => string | undefined, selfCloseLow: boolean) {
  describe(`every fault of every kind, end to end (${name})`, () => {
    const scenario = parseScenario(
      JSON.parse(readFileSync(new URL('./fixtures/every-fault.json', import.meta.url), 'utf8')),
    );
    const devices: EstateDevice[] = [];
    const expectedCode = new Map<string, string>();
    for (const step of scenario.steps) {
      const id = (step.device as { id: string }).id;
      const kind = KINDS.find(
        (k) => id.startsWith(`${PREFIX[k]}-`) && !(k === 'lift' && id.startsWith('LC-')),
      )!;
      devices.push({
        deviceId: id,
        kind,
        secret: 'x',
        building: 'T1',
        floor: 3,
        location: `${kind} room ${devices.length}`,
        interval_s: 10,
      });
      expectedCode.set(id, step.fault === 'heartbeat_loss' ? 'heartbeat_lost' : step.fault);
    }
    let broker: RunningServer & { url: string };
    let store: Store;
    let rules: Rules;
    let sim: Sim;
    const clock = new FakeClock(START);
    const selfClosed: number[] = [];

    beforeAll(async () => {
      broker = await startBroker();
      store = await openStore(clock, databaseUrl());
      // The front desk's screen hears of a self-closed record like of any other change.
      store.desk.onChange((e) => {
        if (e.type === 'record' && e.action === 'self_close') selfClosed.push(e.record.id);
      });
      await registerEstate(store.records, SITE, devices);
      rules = await rulesFor(broker.url, store, clock, { selfCloseLow });
      sim = await Sim.start(broker.url, SITE, clock, devices);
      const player = new ScenarioPlayer(resolveScenario(scenario, devices, SITE));
      await sim.run(rules, 12 * MIN, 5000, (now) => {
        for (const e of player.due(now - START))
          for (const id of e.deviceIds)
            if (e.action === 'raise') sim.models.get(id)!.raise(e.fault, e.detail);
            else sim.models.get(id)!.clear(e.fault);
      });
      await rules.idle();
    }, 90_000);

    afterAll(async () => {
      await sim?.stop();
      await rules?.stop();
      await store?.close();
      await broker?.stop();
    });

    it('opens exactly one record per injected fault, with its priority, trade, location and evidence', async () => {
      const { records } = await store.desk.listRecords({ limit: 500 });
      const got = records.map((r) => `${r.deviceId} ${r.faultCode}`).sort();
      const want = [...expectedCode].map(([id, code]) => `${id} ${code}`).sort();
      expect(got).toEqual(want);
      for (const r of records) {
        const [priority, trade] = EXPECTED[r.faultCode!]!;
        expect({ code: r.faultCode, priority: r.priority, trade: r.trade }).toEqual({
          code: r.faultCode,
          priority,
          trade,
        });
        expect(r.source).toBe('device');
        expect(r.type).toBe('repair');
        expect(r.occurrences).toBe(1);
        const d = devices.find((x) => x.deviceId === r.deviceId)!;
        // A lift's car reports its floor (event, else telemetry): the record is placed there.
        const ev = r.evidence as { event?: { floor?: number } };
        const floor = d.kind === 'lift' ? r.floor : 3;
        expect([r.building, r.floor, r.location]).toEqual(['T1', floor, d.location]);
        if (d.kind === 'lift') expect(r.floor).toEqual(expect.any(Number));
        if (ev.event?.floor !== undefined) expect(r.floor).toBe(ev.event.floor);
        expect(r.title).toContain(`${r.floor}F`);
        expect(r.title).toContain(r.deviceId);
        const proof = r.evidence as { link: string; readings: Record<string, unknown>[]; since: string };
        expect(proof.link).toMatch(
          new RegExp(
            `^http://grafana.test/d/fm-${d.kind}-en\\?var-site=${SITE}&var-device=${r.deviceId}&from=\\d+&to=\\d+$`,
          ),
        );
        if (READINGS_ONLY.includes(r.faultCode!)) expect(proof.readings.length).toBeGreaterThan(0);
      }
    });

    it('starts each record clock when the platform is sure of the fault, keeping the first abnormal reading as its fault time', async () => {
      const { records } = await store.desk.listRecords({ limit: 500 });
      for (const r of records) {
        const what = `${r.deviceId} ${r.faultCode}`;
        expect(r.receivedAt.getTime(), what).toBe(r.createdAt.getTime());
        const since = Date.parse((r.evidence as { since: string }).since);
        expect(r.faultAt!.getTime(), what).toBe(since);
        expect(r.faultAt!.getTime(), what).toBeLessThanOrEqual(r.createdAt.getTime());
        const detail = await store.desk.getRecord(r.id);
        const record = detail.deadlines.find((d) => d.step === 'record')!;
        expect(record.breachedAt, `${what}: born breached`).toBeNull();
        const dispatch = detail.deadlines.find((d) => d.step === 'dispatch')!;
        const limit = r.priority === 'emergency' ? 90_000 : 120_000;
        expect(dispatch.dueAt.getTime() - r.createdAt.getTime(), what).toBe(limit);
      }
      for (const a of (await store.desk.listAlerts({ limit: 500 })).alerts) {
        const r = records.find((x) => x.id === a.recordId)!;
        expect(a.raisedAt.getTime(), `${a.deviceId} ${a.code}`).toBe(r.createdAt.getTime());
        expect(a.occurredAt?.getTime(), `${a.deviceId} ${a.code}`).toBe(r.faultAt!.getTime());
      }
    });

    it('stamps the saved rule state with the rules clock (a handover compares it with the receipts kept)', async () => {
      const rows = await store.records.db.query<{ at: Date }>('SELECT updated_at AS at FROM rules_state');
      expect(rows.length).toBeGreaterThan(0);
      for (const { at } of rows) {
        expect(new Date(at).getTime()).toBeGreaterThanOrEqual(START);
        expect(new Date(at).getTime()).toBeLessThanOrEqual(clock.t);
      }
    });

    it('raises patrol alerts for the security-relevant faults only', async () => {
      const { alerts } = await store.desk.listAlerts({ limit: 500 });
      const want = [...expectedCode]
        .filter(([, code]) => EXPECTED[code]![2])
        .map(([id, code]) => `${id} ${code}`)
        .sort();
      expect(alerts.map((a) => `${a.deviceId} ${a.code}`).sort()).toEqual(want);
      expect(alerts.every((a) => a.recordId !== null)).toBe(true);
    });

    it('notes every recovery on its record', async () => {
      const { records } = await store.desk.listRecords({ limit: 500 });
      for (const r of records) {
        expect(r.recoveredAt, `${r.deviceId} ${r.faultCode}`).not.toBeNull();
        const detail = await store.desk.getRecord(r.id);
        expect(detail.history.filter((h) => h.action === 'recovered')).toHaveLength(1);
        const closed = selfCloseLow && r.priority === 'low';
        expect(r.state, `${r.deviceId} ${r.faultCode}`).toBe(closed ? 'closed' : 'received');
        expect(selfClosed.includes(r.id), `${r.deviceId} ${r.faultCode} announced`).toBe(closed);
      }
    });
  });
}
