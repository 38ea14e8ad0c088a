/**
 * ingest in the broker's process: devices connect to the platform's broker over real MQTT, ingest
 * reads the broker's bus and writes to the real Debian influxd. Every reading arrives, bad ones are
 * refused by reason, and a subscriber that cannot take more holds the publishers back.
 */
import { rmSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/index.ts';
import { startBusSource } from '../../src/ingest/bus-source.ts';
import { type Ingest, ingestOptions, startIngest } from '../../src/ingest/index.ts';
import { influxQuery, seriesRows } from '../../src/ingest/influx.ts';
import type { InfluxTarget } from '../../src/ingest/options.ts';
import { createLogger } from '../../src/log.ts';
import { brokerWith, device, MemoryDirectory, sleep, until } from '../broker/support.ts';
import { type RunningInfluxd, startInfluxd } from '../support/influxd.ts';
import { tempDir } from '../support/servers.ts';
import { countPoints, devicesFor, eventAndStatus, telemetry, v1Target, waitFor } from './support.ts';

const log = createLogger({ level: process.env.FM_TEST_LOG ?? 'silent', format: 'json' });
const SITE = 'estate-bus';
const READINGS = 100;
const BASE_TS = Date.now() - 3_600_000;
const devices = devicesFor(SITE, 3);

let influxd: RunningInfluxd;
let broker: Broker;
let target: InfluxTarget;
let ingest: Ingest;
let dataDir: string;
const directory = new MemoryDirectory();
const clients: MqttClient[] = [];

beforeAll(async () => {
  for (const d of devices) await directory.add(d.deviceId, d.site, d.kind);
  [influxd, broker] = await Promise.all([startInfluxd(), brokerWith(directory)]);
  target = v1Target(influxd.url, influxd.database);
  dataDir = tempDir('ingest-bus');
  ingest = await startIngest({
    options: ingestOptions({ dataDir, influx: target }),
    bus: broker.bus,
    log,
    devices: directory,
  });
  for (const d of devices) clients.push(await device(broker, d.deviceId));
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync()));
  await ingest?.stop();
  await Promise.all([broker?.stop(), influxd?.stop()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

it('stores every reading devices publish to the broker, field by field, in order per device', async () => {
  await Promise.all(
    devices.map(async (d, k) => {
      const client = clients[k]!;
      for (let seq = 0; seq < READINGS; seq++) {
        const m = telemetry(d, seq, BASE_TS + seq * 1000);
        await client.publishAsync(m.topic, m.payload, { qos: 1 });
      }
      for (const m of eventAndStatus(d, READINGS, BASE_TS + READINGS * 1000))
        await client.publishAsync(m.topic, m.payload, { qos: 1 });
    }),
  );
  const total = devices.length * (READINGS + 2);
  await waitFor('all written', () => ingest.counters().written >= total, 20_000);

  for (const kind of ['lift', 'pump', 'lighting', 'cctv'] as const)
    expect(await countPoints(target, kind)).toBe(3 * READINGS);
  expect(await countPoints(target, 'event')).toBe(devices.length);
  expect(await countPoints(target, 'status')).toBe(devices.length);
  expect(ingest.counters()).toMatchObject({ readingsIn: total, written: total, rejected: {} });

  const pump = devices.find((d) => d.kind === 'pump')!;
  const rows = seriesRows(
    await influxQuery(target, `SELECT * FROM "pump" WHERE device='${pump.deviceId}' ORDER BY time`),
  );
  expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: READINGS }, (_, i) => i));
  const sent = JSON.parse(telemetry(pump, 42, 0).payload) as Record<string, unknown>;
  for (const [field, value] of Object.entries(sent))
    if (field !== 'ts') expect(rows[42]![field], field).toEqual(value);
});

it('refuses a malformed payload by reason and keeps taking readings', async () => {
  const lift = devices[0]!;
  const client = clients[0]!;
  const before = ingest.counters();
  const topic = telemetry(lift, 0, 0).topic;
  await client.publishAsync(topic, '{"seq": 1, "floor":', { qos: 1 });
  await client.publishAsync(topic, Buffer.alloc(8_000, 0xff), { qos: 1 });
  await client.publishAsync(topic, Buffer.alloc(60_000, 0x7b), { qos: 1 }); // 60 KB of '{'
  const good = telemetry(lift, READINGS + 1, BASE_TS + (READINGS + 1) * 1000);
  await client.publishAsync(good.topic, good.payload, { qos: 1 });
  await waitFor('the good reading written', () => ingest.counters().written > before.written, 10_000);
  const rejected = (reason: string) =>
    (ingest.counters().rejected[reason] ?? 0) - (before.rejected[reason] ?? 0);
  expect([rejected('not-json'), rejected('not-utf8')]).toEqual([2, 1]);
  expect(ingest.rejects()[0]!.topic).toBe(topic);
  expect(await countPoints(target, 'lift', 'seq', `seq=${READINGS + 1}`)).toBe(1);
});

it('holds the publishers while the subscriber cannot take more, then delivers everything', async () => {
  // A second bus subscriber that says "full" until released: the messages it holds stay in
  // delivery, so the broker stops reading the device's socket (aedes finishes a read before the
  // next) and, with many devices, its delivery gate fills; nothing is dropped.
  let release!: () => void;
  const full = new Promise<void>((r) => {
    release = r;
  });
  const seen: string[] = [];
  const source = await startBusSource(broker.bus, log, {
    onMessage: (d) => seen.push(d.topic),
    backpressure: () => full,
  });
  const cctv = devices.find((d) => d.kind === 'cctv')!;
  const client = clients[devices.indexOf(cctv)]!;
  const before = ingest.counters().written;
  let acked = 0;
  const count = 1500;
  const sends = Array.from({ length: count }, (_, i) => {
    const m = telemetry(cctv, 1000 + i, BASE_TS + (1000 + i) * 1000);
    return client.publishAsync(m.topic, m.payload, { qos: 1 }).then(() => acked++);
  });
  await until(() => seen.length > 0, 10_000);
  let last = -1;
  while (seen.length !== last) {
    last = seen.length;
    await sleep(300);
  }
  expect(seen.length).toBeLessThan(count);
  expect(acked).toBeLessThan(count);

  release();
  await Promise.all(sends);
  await until(() => seen.length === count, 10_000);
  await source.stop();
  await waitFor('all written', () => ingest.counters().written - before >= count, 20_000);
  expect(await countPoints(target, 'cctv', 'seq', `device='${cctv.deviceId}' AND seq>=1000`)).toBe(count);
});

it('stopped after its broker, as the platform stops them, keeps every reading the broker acknowledged', async () => {
  const own = await brokerWith(directory);
  const ownDir = tempDir('ingest-bus-stop');
  const ownIngest = await startIngest({
    options: ingestOptions({ dataDir: ownDir, influx: target }),
    bus: own.bus,
    log,
  });
  const lighting = devices.find((d) => d.kind === 'lighting')!;
  const client = await device(own, lighting.deviceId, { reconnectPeriod: 0 });
  client.on('error', () => {});
  let acked = 0;
  for (let i = 0; i < 3000; i++) {
    const m = telemetry(lighting, 5000 + i, BASE_TS + 3_000_000 + i);
    client.publish(m.topic, m.payload, { qos: 1 }, (err) => {
      if (!err) acked++;
    });
  }
  await until(() => acked > 200, 10_000);
  await own.stop(); // mid-stream: the rest of the publishes are cut off unacknowledged
  await ownIngest.stop();
  client.end(true);
  // What the stop spooled is written by the next start.
  const again = await startIngest({
    options: ingestOptions({ dataDir: ownDir, influx: target }),
    bus: broker.bus,
    log,
  });
  await waitFor('spool replayed', () => again.counters().bufferDepth.spoolLines === 0, 20_000);
  await again.stop();
  rmSync(ownDir, { recursive: true, force: true });
  expect(acked).toBeLessThan(3000);
  const stored = await countPoints(target, 'lighting', 'seq', `device='${lighting.deviceId}' AND seq>=5000`);
  expect(stored).toBeGreaterThanOrEqual(acked);
});
