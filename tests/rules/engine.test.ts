/**
 * The engine on its own: decoded messages and a clock in, actions out, no servers (as aedes drives
 * its broker over an in-memory stream in test/helper.js). Times are the fake clock's, in ms.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { type DecodedMessage, decode, encode } from '../../src/protocol/index.ts';
import type { DeviceInfo } from '../../src/rules/compile.ts';
import { type Action, Engine } from '../../src/rules/engine.ts';
import { DEFAULT_RULE_FILE, loadRuleFiles } from '../../src/rules/index.ts';

const FILE = loadRuleFiles([DEFAULT_RULE_FILE]);
const T0 = Date.parse('2025-03-10T02:00:00Z');
const SITE = 'eng-site';

function pump(id: string, site = SITE): DeviceInfo {
  return { id, site, kind: 'pump', building: 'B1', floor: -1, location: 'pump room', intervalS: 10 };
}

/** An engine over `devices` with its clock at T0; `inMaintenance` says whether a window covers. */
function harness(devices: DeviceInfo[], inMaintenance = () => false) {
  const actions: Action[] = [];
  const counts: Record<string, number> = {};
  const engine = new Engine({
    file: FILE,
    lang: 'en',
    selfCloseLow: false,
    log: pino({ level: 'silent' }),
    inMaintenance,
    emit: (a) => actions.push(a),
    count: (name, n = 1) => {
      counts[name] = (counts[name] ?? 0) + n;
    },
  });
  engine.setDevices(devices, T0);
  let t = T0;
  let seq = 0;
  return {
    engine,
    actions,
    counts,
    now: () => t,
    /** Each device in `ids` reports its telemetry every `everyMs` for `ms`, the clock ticking along. */
    run(ms: number, ids: string[], outlet: number, everyMs = 5_000) {
      for (const end = t + ms; t < end; ) {
        t += everyMs;
        for (const id of ids) engine.handle(telemetry(id, t, ++seq, outlet), t);
        engine.tick(t);
      }
    },
    /** Time passes with nothing heard. */
    silence(ms: number, everyMs = 5_000) {
      for (const end = t + ms; t < end; ) {
        t += everyMs;
        engine.tick(t);
      }
    },
    handle(m: DecodedMessage) {
      engine.handle(m, t);
      engine.tick(t);
    },
    nextSeq: () => ++seq,
  };
}

function telemetry(id: string, ts: number, seq: number, outlet: number, site = SITE): DecodedMessage {
  const { topic, payload } = encode({ site, kind: 'pump', deviceId: id }, 'telemetry', {
    ts,
    seq,
    inlet_pressure_mpa: 0.2,
    outlet_pressure_mpa: outlet,
    flow_m3ph: 20,
    tank_level_m: 2,
    pumps_total: 2,
    pumps_running: 1,
    duty_pump: 1,
    frequency_hz: 45,
    current_a: 30,
    residual_chlorine_mgpl: 0.3,
    turbidity_ntu: 0.2,
    flood_detected: false,
  });
  const r = decode(topic, Buffer.from(payload));
  if (!r.ok) throw new Error(r.detail);
  return r.message;
}

const kinds = (actions: Action[]) =>
  actions.map((a) =>
    a.type === 'incident'
      ? `incident:${a.change}`
      : a.type === 'meters'
        ? `meters:${a.deviceId}`
        : `${a.type}:${a.deviceId}:${a.fault}`,
  );

describe('rules engine, driven directly', () => {
  it('raises a low outlet pressure once it has lasted forS, and recovers it after clearForS', () => {
    const h = harness([pump('P1')]);
    h.run(60_000, ['P1'], 0.5);
    expect(h.actions).toEqual([]);
    h.run(15_000, ['P1'], 0.2);
    expect(h.actions).toEqual([]); // below 0.3 for 15 s: not yet (forS 20)
    h.run(10_000, ['P1'], 0.2);
    expect(kinds(h.actions)).toEqual(['raise:P1:outlet_pressure_low']);
    const raise = h.actions[0] as Extract<Action, { type: 'raise' }>;
    expect(raise.outcome.priority).toBe('urgent');
    expect(raise.occurredAt).toBe(T0 + 65_000); // when the condition began
    h.run(100_000, ['P1'], 0.4);
    expect(h.actions).toHaveLength(1); // clear for 100 s: not yet (clearForS 120)
    h.run(30_000, ['P1'], 0.4);
    expect(kinds(h.actions)).toEqual(['raise:P1:outlet_pressure_low', 'recover:P1:outlet_pressure_low']);
  });

  it('judges no heartbeat while its link to the broker is down, and restarts every clock when it is back', () => {
    // A rules worker whose broker restarts hears nobody meanwhile: that is not its devices' silence.
    const h = harness([pump('P4')]);
    h.run(30_000, ['P4'], 0.5);
    h.engine.linkLost();
    h.silence(10 * 60_000);
    expect(h.actions).toEqual([]);
    h.engine.linkRestored(h.now());
    h.silence(25_000); // within 3 intervals of the link's return
    expect(h.actions).toEqual([]);
    h.silence(30_000); // past 3 intervals, and the storm watch's settling (settleS)
    expect(kinds(h.actions)).toEqual(['raise:P4:heartbeat_lost']);
  });

  it('starts the heartbeat clock of a device on a site it takes where it last heard the device', () => {
    // Every worker hears every site (rules/sharing.ts); it takes P5's and P6's site at T0 + 60 s.
    const h = harness([]);
    h.engine.linkRestored(T0);
    h.silence(60_000);
    const raises = () => h.actions.filter((a): a is Extract<Action, { type: 'raise' }> => a.type === 'raise');
    h.engine.addDevices([pump('P5'), pump('P6')], h.now(), (id) => (id === 'P5' ? T0 + 20_000 : undefined));
    // P5 was last heard at T0 + 20 s: silent past 3 intervals (30 s) since T0 + 50 s, before the handover.
    h.silence(25_000); // and the storm watch's settling (settleS)
    expect(raises().map((a) => [a.deviceId, a.fault, a.occurredAt])).toEqual([
      ['P5', 'heartbeat_lost', T0 + 50_000],
    ]);
    // P6 was never heard: its clock starts at the handover.
    h.silence(30_000);
    expect(raises().map((a) => [a.deviceId, a.occurredAt])).toEqual([
      ['P5', T0 + 50_000],
      ['P6', T0 + 90_000],
    ]);

    // Heard before this worker's link last came back: the clock starts at the link's return.
    const back = harness([]);
    back.engine.linkRestored(T0);
    back.engine.linkLost();
    back.silence(20_000);
    back.engine.linkRestored(back.now());
    back.silence(10_000);
    back.engine.addDevices([pump('P7')], back.now(), () => T0 + 5_000);
    back.silence(60_000);
    const raise = back.actions.find((a) => a.type === 'raise');
    expect(raise?.type === 'raise' && raise.occurredAt).toBe(T0 + 20_000 + 30_000);
  });

  it('gives one record to a device that falls silent, and nothing while a maintenance window covers it', () => {
    const h = harness([pump('P2')]);
    h.run(30_000, ['P2'], 0.5);
    h.silence(10 * 60_000);
    expect(kinds(h.actions)).toEqual(['raise:P2:heartbeat_lost']);
    h.run(30_000, ['P2'], 0.5);
    expect(kinds(h.actions)).toEqual(['raise:P2:heartbeat_lost', 'recover:P2:heartbeat_lost']);

    const covered = harness([pump('P3')], () => true);
    covered.run(30_000, ['P3'], 0.5);
    covered.silence(10 * 60_000);
    covered.run(60_000, ['P3'], 0.2);
    expect(covered.actions).toEqual([]);
  });

  it('counts a message for a device it does not watch, and one of the wrong site, and acts on neither', () => {
    const h = harness([pump('P4')]);
    h.handle(telemetry('P-unknown', h.now(), h.nextSeq(), 0.1));
    h.handle(telemetry('P4', h.now(), h.nextSeq(), 0.1, 'other-site'));
    expect(h.counts).toMatchObject({ unknownDevice: 1, wrongSiteOrKind: 1 });
    expect(h.actions).toEqual([]);
  });

  it('turns many devices of a site going silent together into one site incident, ended when they are back', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `PS-${i}`);
    const h = harness(ids.map((id) => pump(id)));
    h.run(30_000, ids, 0.5);
    h.silence(5 * 60_000);
    expect(h.actions.filter((a) => a.type === 'raise')).toEqual([]);
    expect(kinds(h.actions)).toContain('incident:open');
    const opened = h.actions.find((a) => a.type === 'incident' && a.change === 'open');
    expect(opened?.type === 'incident' && opened.incident.devices.length).toBe(20);
    h.run(60_000, ids, 0.5);
    expect(kinds(h.actions).at(-1)).toBe('incident:end');
  });
});
