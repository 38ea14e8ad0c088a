/**
 * The downtime of a site incident's members, from the engine alone (no I/O): each member is down
 * until the report that brings it back, whenever the next tick happens to run (docs/rules.md,
 * "Storms"). Ticks run on a timer and the report arrives over the network, so which comes first is
 * scheduling; the intact rate must not depend on it.
 */
import { describe, expect, it } from 'vitest';
import { type DecodedMessage, decode, encode, lastWill } from '../../src/protocol/index.ts';
import { type Action, Engine } from '../../src/rules/engine.ts';
import { DEFAULT_RULE_FILE, loadRuleFiles } from '../../src/rules/index.ts';
import { silent } from './support.ts';

const SITE = 'members';
const T0 = Date.parse('2025-06-16T02:00:00Z');
const ids = Array.from({ length: 12 }, (_, i) => `M-${i + 1}`);

function message(m: { topic: string; payload: string }): DecodedMessage {
  const r = decode(m.topic, Buffer.from(m.payload));
  if (!r.ok) throw new Error(r.detail);
  return r.message;
}

function engineWith(actions: Action[]): Engine {
  const engine = new Engine({
    file: loadRuleFiles([DEFAULT_RULE_FILE]),
    lang: 'en',
    selfCloseLow: false,
    log: silent,
    inMaintenance: () => false,
    emit: (a) => actions.push(a),
    count: () => {},
  });
  const info = { site: SITE, kind: 'pump' as const, building: 'T1', floor: null, location: null };
  engine.setDevices(
    ids.map((id) => ({ ...info, id, intervalS: 10 })),
    T0,
  );
  return engine;
}

describe('site incident members', () => {
  it('are down until the report that brings them back, not until the tick that notices it', () => {
    const actions: Action[] = [];
    const engine = engineWith(actions);
    const address = (deviceId: string) => ({ site: SITE, kind: 'pump' as const, deviceId });
    // The power goes: every device's will (no time of its own: the receive time counts).
    for (const id of ids) engine.handle(message(lastWill(address(id))), T0);
    // The default offlineForS (30 s), then storm.settleS (15 s): one incident for the twelve.
    for (let t = T0; t <= T0 + 60_000; t += 5000) engine.tick(t);
    const opened = actions.filter((a) => a.type === 'incident');
    expect(opened.map((a) => a.type === 'incident' && a.change)).toEqual(['open']);
    // Six come back at `back`; the next tick runs 700 ms later.
    const back = T0 + 10 * 60_000;
    for (const id of ids.slice(0, 6)) {
      const online = encode(address(id), 'status', { ts: back, seq: 1, state: 'online' });
      engine.handle(message(online), back);
    }
    engine.tick(back + 700);
    const members = actions.at(-1);
    expect(members?.type === 'incident' && members.change).toBe('members');
    const spans = members?.type === 'incident' ? members.incident.spans : [];
    expect(spans?.map((x) => [x.device, x.from, x.to])).toEqual(
      ids.map((id, i) => [id, T0, i < 6 ? back : undefined]),
    );
  });
});
