/**
 * ingest SIGKILLed mid-load (with readings in its spool, InfluxDB down) and started again: every
 * reading arrives exactly once in InfluxDB. The broker's persistent session holds what was not
 * acknowledged, the spool what was; the restart replays the spool.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { IngestCounters } from '../../src/ingest/index.ts';
import { influxQuery, seriesRows } from '../../src/ingest/influx.ts';
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

const RATE = 300;
const LOAD_S = 16;

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

function startChild(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/run-ts.js', 'tests/ingest/fixtures/run-ingest.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanup.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`run-ingest exited with ${code} before ready`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('loses nothing when ingest is SIGKILLed mid-load and restarted', { timeout: 90_000 }, async () => {
  const [influxd, mosquitto] = await Promise.all([
    startInfluxd(),
    startMosquitto(['max_queued_messages 100000']),
  ]);
  cleanup.push(
    () => influxd.stop(),
    () => mosquitto.stop(),
  );
  const dataDir = tempDir('ingest-kill');
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = {
    FM_TEST_DATA_DIR: dataDir,
    FM_TEST_MQTT_URL: `mqtt://127.0.0.1:${mosquitto.port}`,
    FM_TEST_INFLUX_URL: influxd.url,
    FM_TEST_INFLUX_DB: influxd.database,
    FM_TEST_RETRY_MAX_MS: '1000',
    FM_TEST_LOG: process.env.FM_TEST_LOG ?? 'error',
  };
  const counters = () => JSON.parse(readFileSync(join(dataDir, 'counters.json'), 'utf8')) as IngestCounters;
  const first = await startChild(env);
  const publisher = await connectPublisher(`mqtt://127.0.0.1:${mosquitto.port}`);
  cleanup.push(() => publisher.endAsync());

  const devices = devicesFor('estate-c', 5);
  const base = Date.now() - 3_600_000;
  const total = RATE * LOAD_S;
  const load = publishPaced(publisher, RATE, (i) => {
    if (i >= total) return undefined;
    const seq = Math.floor(i / devices.length);
    return telemetry(devices[i % devices.length]!, seq, base + seq * 100);
  });

  await sleep(3000);
  await influxd.pause();
  await sleep(3000);
  const beforeKill = counters();
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  await sleep(2000);
  await influxd.resume();
  const second = await startChild(env);
  expect(await load).toBe(total);

  await waitFor(
    () => `every reading in InfluxDB: ${JSON.stringify(counters())}`,
    async () =>
      (await countPoints(v1Target(influxd.url, influxd.database), 'lift')) >= total / 4 &&
      counters().bufferDepth.spoolLines === 0,
    30_000,
  );
  const after = counters();
  second.kill('SIGTERM');
  await new Promise((r) => second.once('exit', r));

  // The first run spooled while InfluxDB was down; the second replayed that spool.
  expect(beforeKill.spooled).toBeGreaterThan(0);
  expect(after.replayed).toBeGreaterThanOrEqual(beforeKill.spooled);
  expect(after.dropped).toEqual({ 'disk-cap': 0, 'refused-line': 0, 'spool-corrupt': 0 });
  const target = v1Target(influxd.url, influxd.database);
  const perDevice = total / devices.length;
  for (const kind of ['lift', 'pump', 'lighting', 'cctv']) {
    // Exactly: a reading delivered twice (spooled, then redelivered) lands on the same point.
    expect(await countPoints(target, kind)).toBe(perDevice * 5);
  }
  for (const d of [devices[0]!, devices[11]!]) {
    const rows = seriesRows(
      await influxQuery(target, `SELECT seq FROM "${d.kind}" WHERE device='${d.deviceId}'`),
    );
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: perDevice }, (_, i) => i));
  }
});
