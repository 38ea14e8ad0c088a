/**
 * influxd stopped for 30 s under load, then restarted: nothing lost, every device's readings in
 * order. Real influxd 1.6 and mosquitto.
 */
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { type Ingest, ingestOptions, startIngest } from '../../src/ingest/index.ts';
import { influxQuery, seriesRows } from '../../src/ingest/influx.ts';
import { createLogger } from '../../src/log.ts';
import { startInfluxd } from '../support/influxd.ts';
import { startMosquitto, tempDir } from '../support/servers.ts';
import {
  connectPublisher,
  countPoints,
  devicesFor,
  publishPaced,
  telemetry,
  v1Target,
  waitFor,
} from './support.ts';

const log = createLogger({ level: process.env.FM_TEST_LOG ?? 'silent', format: 'json' });
const RATE = 300;
const LOAD_S = 40;
const OUTAGE_AT_S = 4;
const OUTAGE_S = 30;

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

it('loses nothing and keeps order when influxd is down for 30 s under load', {
  timeout: 120_000,
}, async () => {
  const [influxd, mosquitto] = await Promise.all([
    startInfluxd(),
    startMosquitto(['max_queued_messages 100000']),
  ]);
  cleanup.push(
    () => influxd.stop(),
    () => mosquitto.stop(),
  );
  const dataDir = tempDir('ingest-outage');
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const target = v1Target(influxd.url, influxd.database);
  const ingest: Ingest = await startIngest({
    options: ingestOptions({ dataDir, influx: target, retryMaxMs: 1000 }),
    mqtt: { url: `mqtt://127.0.0.1:${mosquitto.port}`, username: 'service.ingest', password: 'x'.repeat(24) },
    log,
  });
  cleanup.push(() => ingest.stop());
  const publisher = await connectPublisher(`mqtt://127.0.0.1:${mosquitto.port}`);
  cleanup.push(() => publisher.endAsync());

  const devices = devicesFor('estate-b', 5);
  const base = Date.now() - 3_600_000;
  const total = RATE * LOAD_S;
  const load = publishPaced(publisher, RATE, (i) => {
    if (i >= total) return undefined;
    const seq = Math.floor(i / devices.length);
    return telemetry(devices[i % devices.length]!, seq, base + seq * 100);
  });
  await new Promise((r) => setTimeout(r, OUTAGE_AT_S * 1000));
  await influxd.pause();
  await new Promise((r) => setTimeout(r, OUTAGE_S * 1000));
  const during = ingest.counters();
  await influxd.resume();
  const published = await load;
  expect(published).toBe(total);
  await waitFor(
    () => `every reading written: ${JSON.stringify(ingest.counters())}`,
    () => {
      const c = ingest.counters();
      return c.written + c.replayed === total && c.bufferDepth.spoolLines === 0;
    },
    30_000,
  );

  const c = ingest.counters();
  expect(during.influx).toBe('down');
  expect(during.spooled).toBeGreaterThan(RATE * (OUTAGE_S - 5));
  expect(c.replayed).toBeGreaterThanOrEqual(during.spooled);
  expect(c.dropped).toEqual({ 'disk-cap': 0, 'refused-line': 0, 'spool-corrupt': 0 });
  expect(c.writeErrors.retryable).toBeGreaterThan(0);
  const perDevice = total / devices.length;
  for (const kind of ['lift', 'pump', 'lighting', 'cctv']) {
    expect(await countPoints(target, kind)).toBe(perDevice * 5);
  }
  // Order per device: by time, seq runs 0, 1, 2... with no gap.
  for (const d of [devices[0]!, devices[7]!, devices[19]!]) {
    const rows = seriesRows(
      await influxQuery(target, `SELECT seq FROM "${d.kind}" WHERE device='${d.deviceId}'`),
    );
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: perDevice }, (_, i) => i));
  }
});
