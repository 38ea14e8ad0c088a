/**
 * ingest end to end against the real Debian influxd (v1 /write mode) and mosquitto: a fleet's
 * readings all arrive, field by field; bad input is counted by reason and never written.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ingest, ingestOptions, MEASUREMENT_FIELDS, startIngest } from '../../src/ingest/index.ts';
import { influxQuery, seriesRows } from '../../src/ingest/influx.ts';
import type { InfluxTarget } from '../../src/ingest/options.ts';
import { createLogger } from '../../src/log.ts';
import { encode, type Kind } from '../../src/protocol/index.ts';
import { type RunningInfluxd, startInfluxd } from '../support/influxd.ts';
import { type RunningServer, startMosquitto, tempDir } from '../support/servers.ts';
import {
  connectPublisher,
  countPoints,
  devicesFor,
  eventAndStatus,
  publishPaced,
  type SimDevice,
  telemetry,
  v1Target,
  waitFor,
} from './support.ts';

const log = createLogger({ level: process.env.FM_TEST_LOG ?? 'silent', format: 'json' });
const SITE = 'estate-a';
const PER_KIND = 5;
const READINGS = 50;
const BASE_TS = Date.now() - 3_600_000;

let influxd: RunningInfluxd;
let mosquitto: RunningServer;
let target: InfluxTarget;
let ingest: Ingest;
let publisher: MqttClient;
let dataDir: string;
const devices = devicesFor(SITE, PER_KIND);
const registry = new Map<string, { site: string; kind: Kind; building: string | null }>(
  devices.map((d, i) => [d.deviceId, { site: d.site, kind: d.kind, building: i % 2 ? 'T1' : null }]),
);

beforeAll(async () => {
  [influxd, mosquitto] = await Promise.all([startInfluxd(), startMosquitto(['max_queued_messages 100000'])]);
  target = v1Target(influxd.url, influxd.database);
  dataDir = tempDir('ingest');
  ingest = await startIngest({
    options: ingestOptions({ dataDir, influx: target }),
    mqtt: { url: `mqtt://127.0.0.1:${mosquitto.port}`, username: 'service.ingest', password: 'x'.repeat(24) },
    log,
    devices: { findDevice: async (id) => registry.get(id) },
  });
  publisher = await connectPublisher(`mqtt://127.0.0.1:${mosquitto.port}`);
});

afterAll(async () => {
  await publisher?.endAsync();
  await ingest?.stop();
  await Promise.all([influxd?.stop(), mosquitto?.stop()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const perDevice = READINGS + 2;

describe('a simulated fleet', () => {
  it('stores every reading, per measurement, field by field', async () => {
    const messages = devices.flatMap((d) => [
      ...Array.from({ length: READINGS }, (_, seq) => telemetry(d, seq, BASE_TS + seq * 1000)),
      ...eventAndStatus(d, READINGS, BASE_TS + READINGS * 1000),
    ]);
    await publishPaced(publisher, 4000, (i) => messages[i]);
    await waitFor(
      'all readings written',
      () => ingest.counters().written + ingest.counters().replayed >= messages.length,
      30_000,
    );

    for (const kind of ['lift', 'pump', 'lighting', 'cctv'] as const) {
      expect(await countPoints(target, kind)).toBe(PER_KIND * READINGS);
    }
    expect(await countPoints(target, 'event')).toBe(devices.length);
    expect(await countPoints(target, 'status')).toBe(devices.length);
    const c = ingest.counters();
    expect(c.readingsIn).toBe(devices.length * perDevice);
    expect(c.rejected).toEqual({});
    expect(c.accepted).toEqual({ lift: 250, pump: 250, lighting: 250, cctv: 250, event: 20, status: 20 });

    // Field by field for a sample of each kind, and the building tag from the registry.
    for (const d of [devices[0], devices[6], devices[12], devices[18]] as SimDevice[]) {
      const seq = 7;
      const sent = JSON.parse(telemetry(d, seq, BASE_TS + seq * 1000).payload) as Record<string, unknown>;
      const [row] = seriesRows(
        await influxQuery(target, `SELECT * FROM "${d.kind}" WHERE device='${d.deviceId}' AND seq=${seq}`),
      );
      expect(row, `${d.deviceId} seq ${seq}`).toBeDefined();
      expect(row!.time).toBe(sent.ts);
      expect(row!.site).toBe(SITE);
      expect(row!.building ?? null).toBe(registry.get(d.deviceId)!.building);
      for (const [field, value] of Object.entries(sent)) {
        if (field === 'ts') continue;
        expect(row![field], `${d.kind}.${field}`).toEqual(value);
      }
    }
    const [event] = seriesRows(await influxQuery(target, `SELECT * FROM "event" WHERE device='pump-002'`));
    expect(event).toMatchObject({ kind: 'pump', code: 'pump_fault', state: 'raised', seq: READINGS });
    expect(event!.detail).toBe('test "quoted", comma, = sign');
  });

  it('keeps one type per field: integers stay integers', async () => {
    for (const [measurement, fields] of Object.entries(MEASUREMENT_FIELDS)) {
      const rows = seriesRows(await influxQuery(target, `SHOW FIELD KEYS FROM "${measurement}"`));
      const stored = Object.fromEntries(rows.map((r) => [r.fieldKey, r.fieldType]));
      for (const [field, type] of Object.entries(stored)) {
        expect(type, `${measurement}.${field}`).toBe(fields[field]);
      }
    }
  });
});

describe('bad input', () => {
  it('counts each under its reason, writes none of it, and keeps running', async () => {
    const before = ingest.counters();
    const lift = devices[0]!;
    const liftTopic = `fm/${SITE}/lift/${lift.deviceId}/telemetry`;
    const valid = JSON.parse(telemetry(lift, 1000, BASE_TS).payload) as Record<string, unknown>;
    const pump = encode(
      { site: SITE, kind: 'pump', deviceId: lift.deviceId },
      'telemetry',
      JSON.parse(telemetry(devices[PER_KIND]!, 1000, BASE_TS).payload),
    );
    const bad: [string, string | Buffer, string][] = [
      [liftTopic, '{"seq": 1, "floor":', 'not-json'],
      [liftTopic, JSON.stringify({ ...valid, floor: 'three' }), 'invalid-fields'],
      [liftTopic, JSON.stringify({ seq: 1 }), 'invalid-fields'],
      [liftTopic, '[1,2,3]', 'not-object'],
      [`fm/${SITE}/elevator/${lift.deviceId}/telemetry`, JSON.stringify(valid), 'bad-kind'],
      [pump.topic, pump.payload, 'topic-mismatch'],
      [`fm/${SITE}/lift/ghost-1/telemetry`, JSON.stringify(valid), 'unknown-device'],
      [liftTopic, Buffer.concat([Buffer.from([0xff, 0xfe]), randomBytes(64 * 1024 - 2)]), 'not-utf8'],
      [liftTopic, Buffer.alloc(64 * 1024 + 1, 0x41), 'too-large'],
    ];
    for (const [topic, payload] of bad) await publisher.publishAsync(topic, payload, { qos: 1 });
    // A good reading after the bad ones proves ingest still runs and has seen them all.
    const good = telemetry(lift, 2000, BASE_TS + 2000 * 1000);
    await publisher.publishAsync(good.topic, good.payload, { qos: 1 });
    await waitFor(
      'the good reading',
      () => ingest.counters().accepted.lift === before.accepted.lift! + 1,
      10_000,
    );
    await waitFor(
      'it is written',
      async () => (await countPoints(target, 'lift')) === PER_KIND * READINGS + 1,
      10_000,
    );

    const c = ingest.counters();
    const expected: Record<string, number> = {};
    for (const [, , reason] of bad) expected[reason] = (expected[reason] ?? 0) + 1;
    expect(c.rejected).toEqual(expected);
    expect(c.readingsIn - before.readingsIn).toBe(bad.length + 1);
    expect(await countPoints(target, 'pump')).toBe(PER_KIND * READINGS);
    const rejects = ingest.rejects();
    expect(
      rejects
        .slice(0, bad.length)
        .map((r) => r.reason)
        .reverse(),
    ).toEqual(bad.map((b) => b[2]));
    const garbage = rejects.find((r) => r.reason === 'too-large')!;
    expect(garbage.bytes).toBe(64 * 1024 + 1);
    expect(Buffer.from(garbage.payloadBase64, 'base64').length).toBe(512);
    expect(rejects.find((r) => r.reason === 'bad-kind')!.topic).toBe(
      `fm/${SITE}/elevator/${lift.deviceId}/telemetry`,
    );
  });
});
