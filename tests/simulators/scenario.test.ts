import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_CODES, KINDS } from '../../src/protocol/index.ts';
import {
  type AnyModel,
  createModel,
  faultsOf,
  loadCredentials,
  loadScenario,
  parseDuration,
  parseScenario,
  planFleet,
  resolveScenario,
  ScenarioPlayer,
} from '../../src/simulators/index.ts';
import { Capture, HOUR, MIDNIGHT_SHANGHAI } from './capture.ts';

const fleet = [
  { deviceId: 'L-1', kind: 'lift' as const },
  { deviceId: 'L-2', kind: 'lift' as const },
  { deviceId: 'P-1', kind: 'pump' as const },
];

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    return (err as Error).message.split('\n');
  }
  throw new Error('expected a refusal');
}

describe('scenario files', () => {
  it('parses durations people write', () => {
    expect(parseDuration('+10m')).toBe(600_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration(45)).toBe(45_000);
    expect(parseDuration('10 minutes')).toBeUndefined();
    expect(parseDuration('-5m')).toBeUndefined();
  });

  it('names the path and the reason of every mistake', () => {
    const lines = problems(() =>
      parseScenario(
        {
          steps: [
            { at: '+1m', device: 'L-1', fault: 'entrapment' },
            { at: 'soon', device: 'L-1', fault: 'entrapment' },
            { at: 10, device: 'kind:lorry', fault: 'entrapment' },
            { at: 10, device: 'L-1', fault: 'on_fire' },
            { at: 10, device: 'L-1', fault: 'overspeed', action: 'clear', duration: '1m' },
            { at: 10, device: 'L-1', fault: 'overspeed', colour: 'red' },
          ],
        },
        'bad.json',
      ),
    );
    expect(lines).toEqual([
      expect.stringMatching(/^bad\.json: steps\[1\]\.at: "soon" is not a duration/),
      expect.stringMatching(/^bad\.json: steps\[2\]\.device: unknown kind "lorry"/),
      'bad.json: steps[3].fault: "on_fire" is not a fault code of any kind',
      'bad.json: steps[4].duration: duration only goes with action "raise"',
      expect.stringMatching(/^bad\.json: steps\[5\]: .*colour/),
    ]);
  });

  it('refuses a fault that is not of the selected kind, and a selector that matches nothing', () => {
    const scenario = parseScenario([
      { at: 0, device: 'kind:pump', fault: 'entrapment' },
      { at: 0, device: 'L-9', fault: 'overspeed' },
      { at: 0, device: 'all', fault: 'offline' },
    ]);
    expect(problems(() => resolveScenario(scenario, fleet, 'demo'))).toEqual([
      'steps[0].fault: "entrapment" is not a fault of pump (device P-1)',
      'steps[1].device: matches no device of the fleet',
    ]);
  });

  it('resolves selectors and unrolls durations into clears, in time order', () => {
    const scenario = parseScenario([
      { at: '+2m', device: 'random:1:lift', fault: 'alarm_button', duration: '30s' },
      { at: '+1m', device: 'site:demo', fault: 'heartbeat_loss', duration: '5m' },
      { at: 0, device: 'L-2', fault: 'overspeed' },
    ]);
    const timeline = resolveScenario(scenario, fleet, 'demo', 5);
    expect(timeline.map((e) => [e.atMs, e.fault, e.action, e.deviceIds.length])).toEqual([
      [0, 'overspeed', 'raise', 1],
      [60_000, 'heartbeat_loss', 'raise', 3],
      [120_000, 'alarm_button', 'raise', 1],
      [150_000, 'alarm_button', 'clear', 1],
      [360_000, 'heartbeat_loss', 'clear', 3],
    ]);
    const player = new ScenarioPlayer(timeline);
    expect(player.due(100_000).map((e) => e.fault)).toEqual(['overspeed', 'heartbeat_loss']);
    expect(player.due(100_000)).toEqual([]);
    expect(player.due(10 * 60_000)).toHaveLength(3);
    expect(player.done).toBe(true);
  });

  it('reports unreadable files and bad credentials files with the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-scn-'));
    writeFileSync(join(dir, 'broken.json'), '{ "steps": [');
    expect(() => loadScenario(join(dir, 'broken.json'))).toThrow(/broken\.json: not valid JSON/);
    writeFileSync(join(dir, 'creds.json'), JSON.stringify([{ deviceId: 'L 1', kind: 'lift', secret: 's' }]));
    expect(() => loadCredentials(join(dir, 'creds.json'))).toThrow(
      /creds\.json: \[0\]\.deviceId: device ids are/,
    );
  });

  it("reads the demo's credentials entries (site, intervalS) and still refuses unknown keys", () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-creds-'));
    const file = join(dir, 'demo.json');
    const entry = {
      deviceId: 'L-B1-1',
      kind: 'lift',
      secret: 's',
      site: 'demo',
      building: 'B1',
      intervalS: 10,
    };
    writeFileSync(file, JSON.stringify([entry]));
    expect(loadCredentials(file)).toEqual({
      site: 'demo',
      devices: [{ deviceId: 'L-B1-1', kind: 'lift', secret: 's', building: 'B1', interval_s: 10 }],
    });
    writeFileSync(file, JSON.stringify([{ ...entry, intervalSeconds: 10 }]));
    expect(() => loadCredentials(file)).toThrow(/Unrecognized key: "intervalSeconds"/);
    writeFileSync(file, JSON.stringify([entry, { ...entry, deviceId: 'P-1', kind: 'pump', site: 'other' }]));
    expect(() => loadCredentials(file)).toThrow(/devices of several sites \(demo, other\)/);
  });

  it('all-faults.json raises and recovers every fault of every kind on a small estate', () => {
    const scenario = loadScenario('scenarios/all-faults.json');
    const covered = new Set(
      scenario.steps.map((s) => `${'kind' in s.device ? s.device.kind : '?'}:${s.fault}`),
    );
    for (const kind of KINDS) for (const code of faultsOf(kind)) expect(covered).toContain(`${kind}:${code}`);

    const plan = planFleet({ lifts: 2, pumps: 1, lighting: 2, cctv: 1 }, 'demo');
    const start = MIDNIGHT_SHANGHAI + 20 * HOUR; // evening: circuits on, so a trip shows as on with no current
    const captures = new Map<string, Capture>();
    const models = new Map<string, AnyModel>();
    for (const d of plan.devices) {
      const capture = new Capture();
      captures.set(d.deviceId, capture);
      models.set(d.deviceId, createModel({ ...d, secret: 'x' }, { site: 'demo', start }, capture));
      models.get(d.deviceId)!.onConnect();
    }
    const player = new ScenarioPlayer(resolveScenario(scenario, plan.devices, 'demo'));
    for (let t = 0; t <= player.endMs + 60_000; t += 5_000) {
      for (const e of player.due(t)) {
        for (const id of e.deviceIds) {
          const model = models.get(id)!;
          if (e.action === 'raise') expect(model.raise(e.fault), `${id} ${e.fault}`).toBe(true);
          else expect(model.clear(e.fault), `${id} ${e.fault}`).toBe(true);
          if (e.fault === 'offline' && e.action === 'clear') model.onConnect();
        }
      }
      for (const m of models.values()) m.tick(start + t);
    }
    for (const d of plan.devices) {
      const capture = captures.get(d.deviceId)!;
      const model = models.get(d.deviceId)!;
      expect(capture.failures).toEqual([]);
      expect(model.faults()).toEqual([]);
      expect(capture.drops).toBe(1);
      expect(capture.restores).toBe(1);
      const reported = EVENT_CODES[d.kind].map((c) => c.code).filter((c) => model.reports(c));
      const events = capture.events().map((e) => `${e.code}:${e.state}`);
      expect(events.sort()).toEqual(reported.flatMap((c) => [`${c}:cleared`, `${c}:raised`]).sort());
    }
  });

  it('power-cut.json resolves against a planned estate', () => {
    const plan = planFleet({ lifts: 4, pumps: 1, lighting: 3, cctv: 1 }, 'demo');
    const timeline = resolveScenario(loadScenario('scenarios/power-cut.json'), plan.devices, 'demo');
    expect(timeline.filter((e) => e.action === 'raise').map((e) => e.fault)).toEqual([
      'power_loss',
      'entrapment',
      'all_pumps_stopped',
      'offline',
      'camera_offline',
      'alarm_button',
    ]);
    expect(timeline.at(-1)).toMatchObject({ atMs: 25 * 60_000, fault: 'entrapment', action: 'clear' });
  });
});
