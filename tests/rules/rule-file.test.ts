/** Rule files with mistakes are refused at start with the line and the reason. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RULE_FILE,
  loadRuleFiles,
  parseRuleFile,
  RuleFileError,
  startRules,
} from '../../src/rules/index.ts';
import { rulesOptions } from '../../src/rules/options.ts';
import { tempDir } from '../support/servers.ts';
import { silent } from './support.ts';

const base = loadRuleFiles([DEFAULT_RULE_FILE]);
const refusal = (text: string) => {
  try {
    parseRuleFile(text, 'site.json', base);
  } catch (err) {
    expect(err).toBeInstanceOf(RuleFileError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('rule files', () => {
  it('the shipped default set is valid and covers every fault of every kind', () => {
    for (const [kind, set] of Object.entries(base.kinds)) {
      expect(set?.rules.length, kind).toBeGreaterThan(0);
      expect(set?.faults.heartbeat_lost, kind).toBeDefined();
    }
  });

  it.each([
    [
      'a syntax error',
      '{\n  "version": 1,\n  "overrides": [\n    {"site": "a",}\n  ]\n}',
      'site.json:4: expected a "key"',
    ],
    ['a duplicate key', '{\n  "version": 1,\n  "version": 1\n}', 'site.json:3: duplicate key "version"'],
    ['a wrong version', '{\n  "version": 2\n}', 'site.json:2: version: Invalid input: expected 1'],
    [
      'an unknown field',
      '{\n  "version": 1,\n  "kinds": {\n    "pump": {\n      "rules": [\n        {"id": "p", "type": "threshold", "fault": "x",\n         "field": "outlet_mpa", "below": 0.3, "clearAbove": 0.35, "forS": 60, "clearForS": 60}\n      ]\n    }\n  }\n}',
      'site.json:7: kinds.pump.rules.0.field: "outlet_mpa" is not a pump telemetry field',
    ],
    [
      'a clear condition inside the raise condition',
      '{\n  "version": 1,\n  "kinds": {\n    "pump": {\n      "rules": [\n        {"id": "p", "type": "threshold", "fault": "x", "field": "outlet_pressure_mpa",\n         "below": 0.3,\n         "clearAbove": 0.2, "forS": 60, "clearForS": 60}\n      ]\n    }\n  }\n}',
      'site.json:8: kinds.pump.rules.0.clearAbove: clearAbove must be given and be >= below',
    ],
    [
      'an unknown event code',
      '{\n  "version": 1,\n  "kinds": {\n    "lift": {\n      "rules": [\n        {"id": "e", "type": "event",\n         "codes": ["entrapment", "trapped"]}\n      ]\n    }\n  }\n}',
      'site.json:7: kinds.lift.rules.0.codes.1: "trapped" is not a lift event code',
    ],
    [
      'an override of a rule that does not exist',
      '{\n  "version": 1,\n  "overrides": [\n    {"site": "tower33",\n     "rule": "pump-outlet-lo", "set": {"below": 0.45}}\n  ]\n}',
      'site.json:5: overrides.0.rule: no rule "pump-outlet-lo"',
    ],
    [
      'an override with a wrong value',
      '{\n  "version": 1,\n  "overrides": [\n    {"device": "P-1", "fault": "flooding",\n     "set": {\n       "priority": "critical"}}\n  ]\n}',
      'site.json:6: overrides.0.set.priority: Invalid option',
    ],
  ])('refuses %s with the line and the reason', (_what, text, message) => {
    expect(refusal(text)).toContain(message);
  });

  it('refuses to start with a bad file, before connecting to anything', async () => {
    const file = join(tempDir('rules-file'), 'bad.json');
    writeFileSync(file, '{\n  "version": 1,\n  "storm": {"minDevices": 1}\n}\n');
    const start = startRules({
      options: rulesOptions({ ruleFiles: [DEFAULT_RULE_FILE, file] }),
      log: silent,
      now: Date.now,
      records: {} as never,
      desk: {} as never,
      mqtt: { url: 'mqtt://127.0.0.1:1', username: 'x', password: 'x', clientId: 'x' },
    });
    await expect(start).rejects.toThrow(`${file}:3: storm.minDevices: Too small`);
  });

  it('applies site overrides, then device overrides', async () => {
    const { effectiveRules } = await import('../../src/rules/compile.ts');
    const file = parseRuleFile(
      JSON.stringify({
        version: 1,
        overrides: [
          { site: 'tower33', rule: 'pump-outlet-low', set: { below: 0.45, clearAbove: 0.5 } },
          { device: 'P-roof', rule: 'pump-outlet-low', set: { below: 0.6, clearAbove: 0.65 } },
          { site: 'tower33', fault: 'tank_level_high', set: { priority: 'urgent' } },
        ],
      }),
      'o.json',
      base,
    );
    const { overlay } = await import('../../src/rules/rule-file.ts');
    const merged = overlay(base, file);
    const at = (site: string, id: string) => {
      const e = effectiveRules(merged, {
        id,
        site,
        kind: 'pump',
        building: null,
        floor: null,
        location: null,
        intervalS: 10,
      });
      const r = e.rules.find((x) => x.id === 'pump-outlet-low') as { below: number };
      return [r.below, e.faults.tank_level_high?.priority];
    };
    expect(at('small', 'P-1')).toEqual([0.3, 'normal']);
    expect(at('tower33', 'P-1')).toEqual([0.45, 'urgent']);
    expect(at('tower33', 'P-roof')).toEqual([0.6, 'urgent']);
  });
});
