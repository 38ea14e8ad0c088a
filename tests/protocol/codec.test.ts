import { describe, expect, it } from 'vitest';
import {
  decode,
  decodeCommand,
  decodeReply,
  deviceTopic,
  encode,
  encodeCommand,
  encodeReply,
  KIND_COMMANDS,
  lastWill,
  parseTopic,
  replyFilter,
  resolveTimestamp,
  serviceFilters,
} from '../../src/protocol/index.ts';

const lift = { site: 'demo', kind: 'lift', deviceId: 'L-1' } as const;
const reading = {
  seq: 7,
  floor: 3,
  direction: 'stopped',
  speed_mps: 0,
  door: 'open',
  door_zone: true,
  occupied: false,
  mode: 'normal',
  door_cycles_total: 10,
  runs_total: 5,
} as const;

describe('topics', () => {
  it('builds and parses the same topic', () => {
    const topic = deviceTopic({ ...lift, channel: 'telemetry' });
    expect(topic).toBe('fm/demo/lift/L-1/telemetry');
    expect(parseTopic(topic)).toEqual({ ok: true, value: { ...lift, channel: 'telemetry' } });
  });

  it.each([
    ['x/demo/lift/L-1/telemetry', 'not-fm-topic'],
    ['fm/demo/lift/L-1', 'wrong-depth'],
    ['fm/demo/lift/L-1/telemetry/extra', 'wrong-depth'],
    ['fm/de mo/lift/L-1/telemetry', 'bad-site'],
    ['fm/demo/escalator/L-1/telemetry', 'bad-kind'],
    [`fm/demo/lift/${'x'.repeat(65)}/telemetry`, 'bad-device-id'],
    ['fm/demo/lift/L-1/readings', 'bad-channel'],
    ['fm/demo/lift/+/telemetry', 'bad-device-id'],
  ])('refuses %s as %s', (topic, reason) => {
    expect(parseTopic(topic)).toEqual({ ok: false, reason });
  });

  it('gives services one filter per channel', () => {
    expect(serviceFilters()).toEqual(['fm/+/+/+/telemetry', 'fm/+/+/+/event', 'fm/+/+/+/status']);
  });
});

describe('decode', () => {
  it('accepts a valid reading and converts an ISO time to epoch ms', () => {
    const { topic, payload } = encode(lift, 'telemetry', { ...reading, ts: '2026-11-23T08:00:00+08:00' });
    const result = decode(topic, Buffer.from(payload));
    expect(result.ok && result.message.data).toMatchObject({ floor: 3, ts: Date.UTC(2026, 10, 23, 0) });
  });

  it.each([
    ['not-json', '{"seq":1,'],
    ['not-object', '"online"'],
    ['not-object', 'null'],
    ['invalid-fields', JSON.stringify({ ...reading, floor: 'three' })],
    ['invalid-fields', JSON.stringify({ ...reading, speed_mps: -1 })],
    ['invalid-fields', JSON.stringify({ ...reading, seq: undefined })],
    ['invalid-fields', JSON.stringify({ ...reading, ts: '23/11/2026' })],
  ])('reports %s for %s', (reason, text) => {
    const result = decode('fm/demo/lift/L-1/telemetry', Buffer.from(text));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe(reason);
  });

  it('refuses invalid UTF-8, oversize payloads and the command channel without throwing', () => {
    const bad = decode('fm/demo/lift/L-1/telemetry', Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(!bad.ok && bad.reason).toBe('not-utf8');
    const big = decode('fm/demo/lift/L-1/telemetry', Buffer.alloc(64 * 1024 + 1, 0x20));
    expect(!big.ok && big.reason).toBe('too-large');
    const cmd = decode('fm/demo/lift/L-1/command', Buffer.from('{}'));
    expect(!cmd.ok && cmd.reason).toBe('command-channel');
  });

  it('checks the payload against the topic kind, not the payload itself', () => {
    const { payload } = encode(lift, 'telemetry', reading);
    const result = decode('fm/demo/pump/L-1/telemetry', Buffer.from(payload));
    expect(!result.ok && result.reason).toBe('invalid-fields');
  });

  it('ignores unknown fields and cannot be polluted through __proto__', () => {
    const text = `{"__proto__":{"polluted":1},"vendor_x":5,${JSON.stringify(reading).slice(1)}`;
    const result = decode('fm/demo/lift/L-1/telemetry', Buffer.from(text));
    expect(result.ok).toBe(true);
    expect(result.ok && 'vendor_x' in result.message.data).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('defaults an event to raised', () => {
    const result = decode('fm/demo/lift/L-1/event', Buffer.from('{"seq":1,"code":"entrapment"}'));
    expect(result.ok && result.message.channel === 'event' && result.message.data.state).toBe('raised');
  });
});

describe('encode', () => {
  it('refuses to produce a payload that breaks the contract', () => {
    expect(() => encode(lift, 'telemetry', { ...reading, floor: 500 })).toThrow();
  });

  it('makes a retained offline will on the status topic', () => {
    expect(lastWill(lift)).toEqual({
      topic: 'fm/demo/lift/L-1/status',
      payload: '{"state":"offline"}',
      qos: 1,
      retain: true,
    });
  });
});

describe('resolveTimestamp', () => {
  const now = Date.UTC(2026, 10, 23);
  it('keeps a plausible device time and replaces absent or absurd ones', () => {
    expect(resolveTimestamp(now - 1000, now)).toBe(now - 1000);
    expect(resolveTimestamp(undefined, now)).toBe(now);
    expect(resolveTimestamp(now + 6 * 60_000, now)).toBe(now);
    expect(resolveTimestamp(now + 4 * 60_000, now)).toBe(now + 4 * 60_000);
    expect(resolveTimestamp(0, now)).toBe(now);
  });
});

describe('commands and replies', () => {
  const lighting = { site: 'demo', kind: 'lighting', deviceId: 'LC-1' } as const;
  const command = {
    id: 'c-1',
    command: 'reset',
    ts: 1_795_366_800_000,
    expires_at: 1_795_366_920_000,
  } as const;

  it('encodes a command on the command topic and a device decodes it', () => {
    const { topic, payload } = encodeCommand(lighting, command);
    expect(topic).toBe('fm/demo/lighting/LC-1/command');
    expect(decodeCommand(Buffer.from(payload))).toEqual({ ok: true, command });
    expect(() => encodeCommand(lighting, { ...command, command: 'reboot' as 'reset' })).toThrow();
  });

  it('decodes a reply with the device it came from; the readings decoder refuses it', () => {
    const { topic, payload } = encodeReply(lighting, { id: 'c-1', result: 'refused', detail: 'not tripped' });
    expect(decodeReply(topic, Buffer.from(payload))).toEqual({
      ok: true,
      address: lighting,
      reply: { id: 'c-1', result: 'refused', detail: 'not tripped' },
    });
    const reading = decode(topic, Buffer.from(payload));
    expect(!reading.ok && reading.reason).toBe('reply-channel');
  });

  it.each([
    ['fm/demo/lighting/LC-1/event', '{"id":"c-1","result":"done"}', 'not-reply'],
    ['fm/demo/lighting/LC-1/reply', '{"id":"c-1","result":"ok"}', 'invalid-fields'],
    ['fm/demo/lighting/LC-1/reply', '{"id":"a b","result":"done"}', 'invalid-fields'],
    ['fm/demo/lighting/LC-1/reply', '{"id":', 'not-json'],
    ['fm/demo/lighting/LC-1/reply', `{"id":"c","result":"done","detail":"${'x'.repeat(5000)}"}`, 'too-large'],
  ])('refuses a reply on %s with %s as %s', (topic, payload, reason) => {
    const r = decodeReply(topic, Buffer.from(payload));
    expect(!r.ok && r.reason).toBe(reason);
  });

  it('gives the sender one filter for every reply', () => {
    expect(replyFilter()).toBe('fm/+/+/+/reply');
    expect(KIND_COMMANDS.lift).toEqual(['report-now']);
    expect(KIND_COMMANDS.lighting).toEqual(['reset', 'report-now']);
  });
});
