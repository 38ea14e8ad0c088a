import { readFileSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  COMMAND_NAMES,
  commandPayload,
  DEVICE_CHANNELS,
  type DecodedMessage,
  decode,
  decodeReply,
  EVENT_CODES,
  KIND_COMMANDS,
  KINDS,
  PAYLOAD_SCHEMAS,
  REPLY_RESULTS,
  replyPayload,
} from '../../src/protocol/index.ts';
import { Engine } from '../../src/rules/engine.ts';
import { DEFAULT_RULE_FILE, loadRuleFiles } from '../../src/rules/index.ts';

const doc = readFileSync('docs/mqtt-contract.md', 'utf8');

/**
 * The shell's `date` in an example's payload (so what a reader sends is current, and a record it
 * raises does not start out breached), replaced by what it prints.
 */
const SHELL_DATES: [string, string][] = [
  ["'$(date +%s%3N)'", String(Date.now())],
  ["'$(date -Iseconds)'", new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00')],
];

/** Every `mosquitto_pub ... -t TOPIC ... -m 'JSON'` command in the document, continuation lines joined. */
function publishExamples(markdown: string): { topic: string; payload: string }[] {
  let joined = markdown.replace(/\\\n\s*/g, ' ');
  for (const [shell, printed] of SHELL_DATES) joined = joined.replaceAll(shell, printed);
  return [...joined.matchAll(/^mosquitto_pub .*$/gm)].map(([line]) => {
    const topic = /-t (\S+)/.exec(line)?.[1];
    const payload = /-m '([^']*)'/.exec(line)?.[1];
    if (!topic || payload === undefined) throw new Error(`example without -t or -m: ${line}`);
    return { topic, payload };
  });
}

describe('docs/mqtt-contract.md', () => {
  const examples = publishExamples(doc);

  it('has an example for telemetry and event of every kind, and for status', () => {
    const covered = new Set(
      examples.map((e) =>
        e.topic
          .split('/')
          .slice(2)
          .filter((_, i) => i !== 1)
          .join('/'),
      ),
    );
    for (const kind of KINDS) {
      expect(covered).toContain(`${kind}/telemetry`);
      expect(covered).toContain(`${kind}/event`);
    }
    expect(examples.some((e) => e.topic.endsWith('/status'))).toBe(true);
  });

  it.each(publishExamples(doc).map((e) => [e.topic, e.payload]))(
    'example on %s decodes',
    (topic, payload) => {
      // Replies to commands are not readings: the command sender decodes them.
      const result = topic.endsWith('/reply')
        ? decodeReply(topic, Buffer.from(payload))
        : decode(topic, Buffer.from(payload));
      expect(result.ok ? 'ok' : `${result.reason}: ${result.detail}`).toBe('ok');
    },
  );

  it('sends the current time where an example gives ts, so a record it raises does not start out breached', () => {
    const stamps = examples.flatMap((e) => {
      const ts = (JSON.parse(e.payload) as { ts?: number | string }).ts;
      return ts === undefined ? [] : [new Date(ts).getTime()];
    });
    expect(stamps.length).toBeGreaterThan(0);
    for (const t of stamps) expect(Math.abs(Date.now() - t)).toBeLessThan(60_000);
  });

  it('documents the commands each kind takes, their payload and the reply, with examples that parse', () => {
    const section = doc.slice(doc.indexOf('## Commands'), doc.indexOf('## Readings that raise a fault'));
    const rows = [...section.matchAll(/^\| `([a-z-]+)` \| ([^|]+) \|/gm)].filter(([, name]) =>
      (COMMAND_NAMES as readonly string[]).includes(name!),
    );
    const documented = Object.fromEntries(
      rows.map(([, name, kinds]) => [
        name,
        kinds!.includes('every kind') ? [...KINDS] : [...kinds!.matchAll(/`([a-z]+)`/g)].map((m) => m[1]),
      ]),
    );
    const defined = Object.fromEntries(
      COMMAND_NAMES.map((c) => [c, KINDS.filter((k) => KIND_COMMANDS[k].includes(c))]),
    );
    expect(documented).toEqual(defined);
    for (const field of [...Object.keys(commandPayload.shape), ...Object.keys(replyPayload.shape)])
      expect(section, field).toContain(`\`${field}\``);
    for (const result of REPLY_RESULTS) expect(section).toContain(`\`${result}\``);
    const json = [...section.matchAll(/^```json\n(.*)\n```/gm)].map((m) => JSON.parse(m[1]!));
    expect(json.length).toBeGreaterThan(0);
    for (const example of json) expect(commandPayload.safeParse(example).success).toBe(true);
    expect(section).toMatch(/mosquitto_pub .*\n.*\/reply/);
  });

  it('lists every event code of every kind, and no code the protocol lacks', () => {
    const documented = new Set(
      [...doc.matchAll(/^\| `([a-z_]+)` \| [^|]+ \| [^|]*\p{Script=Han}/gmu)].map((m) => m[1]),
    );
    const defined = new Set(KINDS.flatMap((k) => EVENT_CODES[k].map((c) => c.code)));
    expect(documented).toEqual(defined);
  });

  it('documents every payload field of every kind', () => {
    for (const kind of KINDS) {
      for (const channel of DEVICE_CHANNELS) {
        for (const field of Object.keys(PAYLOAD_SCHEMAS[kind][channel].shape)) {
          expect(doc, `${kind}/${channel}.${field}`).toContain(`\`${field}\``);
        }
      }
    }
  });
});

/** Runs the default rules over examples each sent unchanged every 10 s for 10 minutes; the faults raised. */
function faultsRaised(examples: { topic: string; payload: string }[]): string[] {
  const raised: string[] = [];
  const engine = new Engine({
    file: loadRuleFiles([DEFAULT_RULE_FILE]),
    lang: 'en',
    selfCloseLow: false,
    log: pino({ level: 'silent' }),
    inMaintenance: () => false,
    emit: (a) => {
      if (a.type === 'raise') raised.push(`${a.deviceId} ${a.fault}`);
    },
    count: () => {},
  });
  const t0 = Date.parse('2026-11-23T02:00:00Z');
  const messages = examples.map((e) => {
    const r = decode(e.topic, Buffer.from(e.payload));
    if (!r.ok) throw new Error(`${e.topic}: ${r.reason}`);
    return r.message;
  });
  const devices = new Map(messages.map((m) => [m.deviceId, m]));
  engine.setDevices(
    [...devices.values()].map((m) => ({
      id: m.deviceId,
      site: m.site,
      kind: m.kind,
      building: null,
      floor: null,
      location: null,
      intervalS: 10,
    })),
    t0,
  );
  for (let t = t0; t < t0 + 10 * 60_000; t += 10_000) {
    for (const m of messages) engine.handle({ ...m, data: { ...m.data, ts: t } } as DecodedMessage, t);
    engine.tick(t);
  }
  return raised;
}

describe('docs/mqtt-contract.md against the default rules', () => {
  const found = doc.indexOf('## Readings that raise a fault');
  const start = found < 0 ? doc.length : found;
  const end = found < 0 ? doc.length : doc.indexOf('\n## ', start + 1);
  const faultSection = doc.slice(start, end);
  const healthy = publishExamples(doc.slice(0, start) + doc.slice(end)).filter((e) =>
    e.topic.endsWith('/telemetry'),
  );
  const faults = [
    ...faultSection.replace(/\\\n\s*/g, ' ').matchAll(/^# ([a-z_]+):.*\n(mosquitto_pub .*)$/gm),
  ].map(([, code, line]) => ({ code: code!, ...publishExamples(line!)[0]! }));

  it('gives healthy telemetry examples: sent every 10 s they raise nothing', () => {
    expect(healthy.map((e) => e.topic.split('/')[2]).sort()).toEqual([...KINDS].sort());
    expect(faultsRaised(healthy)).toEqual([]);
  });

  it('gives one example per fault found in telemetry, each raising that fault alone', () => {
    const file = loadRuleFiles([DEFAULT_RULE_FILE]);
    const fromTelemetry = new Set(
      Object.values(file.kinds ?? {}).flatMap((k) =>
        (k?.rules ?? []).flatMap((r) => (r.type === 'threshold' || r.type === 'derived' ? [r.fault] : [])),
      ),
    );
    expect(new Set(faults.map((f) => f.code))).toEqual(fromTelemetry);
    for (const f of faults) {
      const device = f.topic.split('/')[3];
      expect(faultsRaised([f]), f.code).toEqual([`${device} ${f.code}`]);
    }
  });
});
