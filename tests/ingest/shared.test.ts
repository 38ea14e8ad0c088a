/**
 * Two ingest copies sharing the readings on one mosquitto 2 (Debian's 2.0.11, dynamic security as
 * docs/deploy.md sets it up), each a `facility start --only ingest` process with FM_INGEST_COPY,
 * the registry in PostgreSQL and readings in influxd. Simulated devices publish QoS 1 readings;
 * copy `a` is SIGKILLed mid-stream and started again. Every reading the broker acknowledged must
 * be in InfluxDB, none stored by both copies.
 *
 * InfluxDB overwrites an identical point, so counting points cannot see a reading stored twice:
 * each copy writes through its own counting proxy here, which records every line influxd accepted
 * (204) and which copy (and which life of `a`) sent it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { dynsecFile } from '../../src/mosquitto/export.ts';
import { openRecords } from '../../src/records/index.ts';
import { startInfluxd } from '../support/influxd.ts';
import { startMosquitto, startPostgres, tempDir, writeForMosquitto } from '../support/servers.ts';
import { countPoints, devicesFor, telemetry, v1Target, waitFor } from './support.ts';

const PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';
const SERVICE_SECRET = 'service-secret-for-shared-ingest-01';
const SECRET = 'device-secret-for-shared-ingest-0123';
const ADMIN = { username: 'fm-admin', password: 'admin-password-for-shared-ingest' };
const SITE = 'estate-s';
const RATE = 250;
const LOAD_S = 14;
/** mosquitto's default max_inflight_messages: the most QoS 1 messages a copy holds unacknowledged. */
const INFLIGHT = 20;

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Which copies (`a1`, `a2`, `b`) influxd accepted each reading (`device/seq`) from. */
const stored = new Map<string, string[]>();

/** A proxy in front of influxd that records the readings of every write it accepted. */
async function countingProxy(influxUrl: string, life: string): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const upstream = await fetch(`${influxUrl}${req.url}`, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'text/plain' },
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
      });
      const answer = Buffer.from(await upstream.arrayBuffer());
      if (req.url?.startsWith('/write') && upstream.status === 204)
        for (const line of body.toString().split('\n')) {
          const device = /,device=([^,\s]+)/.exec(line)?.[1];
          const seq = /[ ,]seq=(\d+)i/.exec(line)?.[1];
          if (device && seq)
            stored.set(`${device}/${seq}`, [...(stored.get(`${device}/${seq}`) ?? []), life]);
        }
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'text/plain',
      });
      res.end(answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Copy {
  child: ChildProcess;
  log: () => string;
}

/** A copy as operators run one: the CLI, ingest only, FM_INGEST_COPY=<name>. */
function startCopy(name: string, env: Record<string, string>): Promise<Copy> {
  const dataDir = tempDir(`shared-ingest-${name}`);
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['bin/facility.js', 'start', '--only', 'ingest'], {
    env: { ...process.env, ...env, FM_DATA_DIR: dataDir, FM_INGEST_COPY: name, FM_DEMO: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let log = '';
  child.stderr!.on('data', (b: Buffer) => {
    log += b.toString();
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('facility-monitor is running')) resolve({ child, log: () => log });
    });
    child.once('exit', (code) => reject(new Error(`ingest copy ${name} exited with ${code}:\n${log}`)));
  });
}

function connectDevice(port: number, id: string): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: id,
    username: id,
    password: SECRET,
    protocolVersion: 4,
    reconnectPeriod: 200,
  });
}

it('shares readings between two copies; one SIGKILLed and restarted loses none and none is stored twice', {
  timeout: 180_000,
}, async () => {
  const [influxd, pg] = await Promise.all([startInfluxd(), startPostgres()]);
  cleanup.push(
    () => influxd.stop(),
    () => pg.stop(),
  );
  // The registry, migrated once here before the copies open it.
  const recordsDir = tempDir('shared-ingest-records');
  cleanup.push(() => rmSync(recordsDir, { recursive: true, force: true }));
  const records = await openRecords({
    databaseUrl: pg.url,
    dataDir: recordsDir,
    log: pino({ level: 'silent' }),
  });
  cleanup.push(() => records.close());
  await records.addSite({ id: SITE, name: 'Estate S' });
  const devices = devicesFor(SITE, 5);
  for (const d of devices)
    await records.addDevice({ id: d.deviceId, site: SITE, kind: d.kind, secret: SECRET });

  const file = join(tempDir('shared-ingest-dynsec'), 'dynamic-security.json');
  cleanup.push(() => rmSync(dirname(file), { recursive: true, force: true }));
  const accounts = await records.brokerAccounts();
  writeForMosquitto(file, dynsecFile({ accounts, serviceSecret: SERVICE_SECRET, admin: ADMIN }));
  const mosquitto = await startMosquitto([
    'allow_anonymous false',
    `plugin ${PLUGIN}`,
    `plugin_opt_config_file ${file}`,
    // docs/deploy.md: room for a stopped copy's share of the readings until it is back.
    'max_queued_messages 1000000',
  ]);
  cleanup.push(() => mosquitto.stop());

  const env = {
    DATABASE_URL: pg.url,
    FM_MQTT_URL: `mqtt://127.0.0.1:${mosquitto.port}`,
    FM_SERVICE_SECRET: SERVICE_SECRET,
    FM_INFLUX_MODE: 'v1',
    FM_INFLUX_DATABASE: influxd.database,
    FM_INGEST_RETRY_MAX_MS: '1000',
    FM_LOG_FORMAT: 'json',
    FM_LOG_LEVEL: 'info',
  };
  const [a1, b] = await Promise.all([
    startCopy('a', { ...env, FM_INFLUX_URL: await countingProxy(influxd.url, 'a1') }),
    startCopy('b', { ...env, FM_INFLUX_URL: await countingProxy(influxd.url, 'b') }),
  ]);

  const clients = new Map<string, MqttClient>();
  for (const d of devices) clients.set(d.deviceId, await connectDevice(mosquitto.port, d.deviceId));
  cleanup.push(() => Promise.all([...clients.values()].map((c) => c.endAsync(true))));

  // Publishes QoS 1 at RATE; a reading counts once its PUBACK is back.
  const acked = new Set<string>();
  const total = RATE * LOAD_S;
  let published = 0;
  const load = (async () => {
    const started = performance.now();
    const pending: Promise<unknown>[] = [];
    while (published < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
      for (; published < due; published++) {
        const d = devices[published % devices.length]!;
        const seq = Math.floor(published / devices.length);
        const m = telemetry(d, seq, Date.now() - 3_600_000 + published);
        pending.push(
          clients
            .get(d.deviceId)!
            .publishAsync(m.topic, m.payload, { qos: 1 })
            .then(() => acked.add(`${d.deviceId}/${seq}`)),
        );
      }
      await sleep(10);
    }
    await Promise.all(pending);
  })();

  await sleep(4000);
  a1.child.kill('SIGKILL');
  await new Promise((r) => a1.child.once('exit', r));
  const downFrom = published;
  await sleep(2000);
  const a2 = await startCopy('a', { ...env, FM_INFLUX_URL: await countingProxy(influxd.url, 'a2') });
  const downTo = published;
  await load;
  expect(acked.size).toBe(total);

  const target = v1Target(influxd.url, influxd.database);
  const inInflux = async () => {
    let n = 0;
    for (const kind of ['lift', 'pump', 'lighting', 'cctv']) n += await countPoints(target, kind);
    return n;
  };
  await waitFor(
    () => `every acknowledged reading stored (${stored.size} of ${total})`,
    async () => [...acked].every((k) => stored.has(k)) && (await inInflux()) === total,
    60_000,
  );
  for (const copy of [a2, b]) {
    copy.child.kill('SIGTERM');
    await new Promise((r) => copy.child.once('exit', r));
  }

  // Exactly once in InfluxDB: one point per reading (device and time are unique per reading).
  expect(await inInflux()).toBe(total);
  const lives = [...stored.values()];
  const by = (life: string) => lives.filter((l) => l.includes(life)).length;
  // Shared, not copied: no reading was stored by both copies.
  expect(lives.filter((l) => l.includes('b') && l.some((x) => x.startsWith('a')))).toEqual([]);
  // Twice only by copy a across its kill: written, the PUBACK not yet sent, so redelivered to a again.
  const twice = lives.filter((l) => l.length > 1);
  expect(twice.every((l) => l.join() === 'a1,a2')).toBe(true);
  expect(twice.length).toBeLessThanOrEqual(INFLIGHT);
  // Both copies took a fair share (mosquitto hands a group's messages round robin).
  expect(by('a1') + by('a2')).toBeGreaterThan(total / 4);
  expect(by('b')).toBeGreaterThan(total / 4);
  // What mosquitto gave `a` while it was dead waited in its session for its return.
  const whileDown = Array.from({ length: downTo - downFrom }, (_, i) => {
    const n = downFrom + i;
    return stored.get(`${devices[n % devices.length]!.deviceId}/${Math.floor(n / devices.length)}`)!;
  });
  expect(whileDown.filter((l) => l.includes('a2')).length).toBeGreaterThan(whileDown.length / 4);
  expect(whileDown.filter((l) => l.includes('b')).length).toBeGreaterThan(whileDown.length / 4);
  // The restarted copy resumed its session under its client id.
  expect(a2.log()).toMatch(/"clientId":"service\.ingest-a","sessionPresent":true/);
  expect(b.log()).toMatch(/"clientId":"service\.ingest-b"/);
});
