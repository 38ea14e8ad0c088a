/**
 * What one device's episode leaves at the desk when people act meanwhile, over mosquitto, the
 * simulator models on a fake clock, and the records store on PGlite or PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../../src/protocol/index.ts';
import type { Actor } from '../../src/records/service/index.ts';
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

const SITE = 'ep';
const MIN = 60_000;
const DESK: Actor = { id: 'desk-1', role: 'front_desk' };
const devices: EstateDevice[] = [
  { deviceId: 'NVR-back', kind: 'cctv', secret: 'x', building: 'T1', floor: 1 },
];
/** Lifts registered where their machine room is, floor 1; the test publishes for them by hand. */
const lifts: EstateDevice[] = [
  { deviceId: 'L-event', kind: 'lift', secret: 'x', building: 'T1', floor: 1, location: 'T1 lift A' },
  { deviceId: 'L-derived', kind: 'lift', secret: 'x', building: 'T1', floor: 1, location: 'T1 lift B' },
];
/** A site whose power goes: 12 devices, all down together (the default storm: 10 devices, 20%). */
const CUT = 'ep-cut';
const cut: EstateDevice[] = Array.from({ length: 12 }, (_, i) => ({
  deviceId: `CUT-${i + 1}`,
  kind: i % 2 === 0 ? 'pump' : 'lighting',
  secret: 'x',
  building: 'T1',
}));
let seq = 0;

export function episodesSuite(name: string, databaseUrl: () => string | undefined) {
  describe(`device episodes and the desk (${name})`, () => {
    let broker: RunningServer & { url: string };
    let store: Store;
    let rules: Rules;
    let sim: Sim;
    let cutSim: Sim | undefined;
    const clock = new FakeClock(Date.parse('2025-06-16T02:00:00Z'));
    const model = (id: string) => sim.models.get(id)!;
    const recordsOf = async (id: string) =>
      (await store.desk.listRecords({ deviceId: id, limit: 100 })).records;
    const publish = async (deviceId: string, channel: 'telemetry' | 'event', data: object) => {
      const m = encode({ site: SITE, kind: 'lift', deviceId }, channel, {
        ts: clock.t,
        seq: ++seq,
        ...data,
      } as never);
      await sim.client.publishAsync(m.topic, m.payload, { qos: 1 });
      sim.published += 1;
    };
    /** A car stopped at `floor` between landings, doors shut, someone inside. */
    const stuckAt = (floor: number) => ({
      floor,
      direction: 'stopped',
      speed_mps: 0,
      door: 'closed',
      door_zone: false,
      occupied: true,
      mode: 'normal',
      door_cycles_total: 10,
      runs_total: 10,
    });

    beforeAll(async () => {
      broker = await startBroker();
      store = await openStore(clock, databaseUrl());
      await registerEstate(store.records, SITE, [...devices, ...lifts]);
      rules = await rulesFor(broker.url, store, clock);
      sim = await Sim.start(broker.url, SITE, clock, devices);
      await sim.run(rules, MIN);
    });

    afterAll(async () => {
      await cutSim?.stop();
      await sim?.stop();
      await rules?.stop();
      await store?.close();
      await broker?.stop();
    });

    it('opens a new record when a fault whose record was cancelled comes back within its clear time', async () => {
      model('NVR-back').raise('tamper');
      await sim.run(rules, 20_000);
      const [first] = await recordsOf('NVR-back');
      expect(first?.faultCode).toBe('tamper');
      await store.desk.transition(first!.id, 'cancel', DESK, { reason: 'mistake' });
      // Cleared for less than the rule's 30 s, then back: the same episode for rules.
      model('NVR-back').clear('tamper');
      await sim.run(rules, 10_000);
      model('NVR-back').raise('tamper');
      await sim.run(rules, 20_000);
      const open = (await recordsOf('NVR-back')).filter((r) => r.state !== 'cancelled');
      expect(open.map((r) => [r.faultCode, r.state])).toEqual([['tamper', 'received']]);
      const alerts = (await store.desk.listAlerts({ limit: 100 })).alerts;
      expect(alerts.filter((a) => a.recordId === open[0]!.id).map((a) => a.code)).toEqual(['tamper']);
      // Back again while that record is open: nothing new, not even an occurrence.
      model('NVR-back').clear('tamper');
      await sim.run(rules, 10_000);
      model('NVR-back').raise('tamper');
      await sim.run(rules, 20_000);
      const after = await recordsOf('NVR-back');
      expect(after).toHaveLength(2);
      expect(after.find((r) => r.id === open[0]!.id)?.occurrences).toBe(1);
    });

    it('places an entrapment where the car reports it is, not where the lift is registered', async () => {
      await publish('L-event', 'telemetry', stuckAt(7));
      await publish('L-event', 'event', { code: 'entrapment', state: 'raised', floor: 7 });
      for (let i = 0; i < 8; i++) {
        await publish('L-derived', 'telemetry', stuckAt(12));
        await sim.run(rules, 5000);
      }
      for (const [id, floor] of [
        ['L-event', 7],
        ['L-derived', 12],
      ] as const) {
        const r = (await recordsOf(id)).find((x) => x.faultCode === 'entrapment');
        expect([r?.building, r?.floor], id).toEqual(['T1', floor]);
        expect(r!.title, id).toContain(`${floor}F`);
        expect(r!.title, id).not.toContain('1F');
        const alert = (await store.desk.listAlerts({ limit: 100 })).alerts.find((a) => a.recordId === r!.id);
        expect(alert?.location, id).toContain(`${floor}F`);
        expect(alert?.title, id).toContain(`${floor}F`);
      }
    });

    it('counts the devices of a site incident as down in the intact rate, each until it reports again', async () => {
      const registeredAt = clock.t;
      await registerEstate(store.records, CUT, cut);
      await rules.refresh();
      cutSim = await Sim.start(broker.url, CUT, clock, cut);
      await cutSim.run(rules, MIN);
      const downAt = clock.t;
      for (const m of cutSim.models.values()) m.raise('offline');
      await cutSim.run(rules, MIN);
      const [incident] = (await store.desk.listRecords({ site: CUT, limit: 10 })).records;
      expect(incident?.deviceId).toBeNull(); // one record for the site, naming the 12
      const models = [...cutSim.models.values()];
      await cutSim.run(rules, 9 * MIN);
      for (const m of models.slice(0, 6)) m.clear('offline');
      await cutSim.run(rules, 10 * MIN);
      for (const m of models.slice(6)) m.clear('offline');
      await cutSim.run(rules, MIN);
      // Each device down from its will to its return (both seen one 5 s step late): 6 x 10 min + 6 x 20 min.
      const total = 12 * Math.round((clock.t - registeredAt) / 1000);
      const down = 6 * 600 + 6 * 1200;
      const day = await store.desk.stats({ site: CUT, period: 'day', date: '2025-06-16' });
      expect(day.rates.equipmentIntact).toEqual({
        numerator: total - down,
        denominator: total,
        rate: (total - down) / total,
      });
      expect(clock.t - downAt).toBe(21 * MIN);
    });
  });
}
