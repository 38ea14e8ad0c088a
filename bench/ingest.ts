/**
 * Ingest benchmark, loopback only, bounded phases, for one of two brokers:
 *   --broker platform (default): the platform's broker (aedes) with ingest on its bus in the same
 *     process, as `facility start` runs them; every simulated device has its own connection.
 *   --broker mosquitto: mosquitto with ingest as a separate MQTT client process (a persistent
 *     session), as when ingest runs alone; each publisher process is one connection.
 * In both:
 *   1. the bare broker's pub/sub ceiling at QoS 1 (publisher processes -> broker -> a plain
 *      mqtt.js QoS 1 subscriber), at the same rising rates and with the same criteria as 2;
 *   2. end to end (publisher processes -> broker -> ingest -> influxd 1.6, v1 /write) at rising
 *      rates, 8 s each, until a phase is not written within 5 s of its end (lag grows) or the
 *      publishers cannot reach the rate; then zero loss is checked by counting in InfluxDB.
 * Reports sustained readings/s, ingest CPU and RSS, the ceiling and the ratio.
 *
 *   node bin/run-ts.js bench/ingest.ts [--broker platform|mosquitto] [--rates 5000,10000,...] [--phase-s 8] [--publishers 2]
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { IngestCounters } from '../src/ingest/index.ts';
import { encode } from '../src/protocol/index.ts';
import { countPoints, devicesFor, telemetry, v1Target } from '../tests/ingest/support.ts';
import { startInfluxd } from '../tests/support/influxd.ts';
import { startMosquitto, tempDir } from '../tests/support/servers.ts';
import { BENCH_SECRET, BENCH_SERVICE_SECRET } from './broker-server.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- publisher role: a separate process so it does not share the measuring event loop ----
type PubCommand = {
  url: string;
  rate: number;
  seconds: number;
  offset: number;
  devices: number;
  site: string;
  /** Publisher number; with `deviceConnections` it makes device ids unique across publishers. */
  k: number;
  /** One connection per device (the platform's broker lets a device publish only its own topics). */
  deviceConnections: boolean;
};

async function publisherRole(): Promise<void> {
  process.on('message', async (cmd: PubCommand) => {
    const devices = devicesFor(cmd.site, Math.ceil(cmd.devices / 4))
      .slice(0, cmd.devices)
      .map((d) => (cmd.deviceConnections ? { ...d, deviceId: `${d.deviceId}-p${cmd.k}` } : d));
    const clients = cmd.deviceConnections
      ? await Promise.all(
          devices.map((d) =>
            mqtt.connectAsync(cmd.url, {
              clientId: d.deviceId,
              username: d.deviceId,
              password: BENCH_SECRET,
              protocolVersion: 4,
            }),
          ),
        )
      : [
          await mqtt.connectAsync(cmd.url, {
            clientId: `bench-pub-${cmd.site}-${cmd.offset}`,
            protocolVersion: 4,
          }),
        ];
    // Validated once per device through protocol's encoder; then only seq and ts change.
    const base = Date.now() - 86_400_000;
    const templates = devices.map((d, i) => ({
      topic: encode(d, 'telemetry', JSON.parse(telemetry(d, 0, base).payload)).topic,
      body: JSON.parse(telemetry(d, 1, base).payload) as Record<string, unknown>,
      client: clients[i % clients.length]!,
    }));
    let sent = 0;
    let acked = 0;
    let inflight = 0;
    const flatOut = cmd.rate <= 0;
    const started = performance.now();
    const end = started + cmd.seconds * 1000;
    while (performance.now() < end) {
      const due = flatOut
        ? sent + Math.max(0, 5000 - inflight)
        : Math.floor(((performance.now() - started) / 1000) * cmd.rate);
      while (sent < due && inflight < 50_000) {
        const i = cmd.offset + sent;
        const t = templates[i % templates.length]!;
        const seq = Math.floor(i / templates.length);
        t.body.seq = seq;
        t.body.ts = base + seq;
        inflight++;
        sent++;
        t.client.publish(t.topic, JSON.stringify(t.body), { qos: 1 }, () => {
          inflight--;
          acked++;
        });
      }
      await sleep(flatOut ? 1 : 5);
    }
    while (inflight > 0) await sleep(10);
    await Promise.all(clients.map((c) => c.endAsync()));
    process.send!({ sent, acked, seconds: (performance.now() - started) / 1000 });
  });
}

/** Running publisher processes: stopped at once if the measured process dies. */
const publishers = new Set<ChildProcess>();

function publishOne(cmd: PubCommand): Promise<{ sent: number; acked: number; seconds: number }> {
  const child = fork(new URL(import.meta.url).pathname, ['--role', 'publisher'], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  publishers.add(child);
  child.once('exit', () => publishers.delete(child));
  return new Promise((resolve, reject) => {
    child.once('message', (m) => {
      resolve(m as { sent: number; acked: number; seconds: number });
      child.kill();
    });
    child.once('exit', (code) => reject(new Error(`publisher exited ${code}`)));
    child.send(cmd);
  });
}

const PUBLISHERS = Number(arg('publishers', '2'));

/** The rate split over PUBLISHERS processes, each with its own site (so seq stays per device). */
const sentBySite = Array.from({ length: PUBLISHERS }, () => 0);

async function publish(
  cmd: Omit<PubCommand, 'site' | 'offset' | 'k'>,
): Promise<{ sent: number; acked: number; seconds: number }> {
  // Each publisher continues its own devices' seq, so no (device, time) point is ever repeated.
  const parts = await Promise.all(
    Array.from({ length: PUBLISHERS }, (_, k) =>
      publishOne({ ...cmd, rate: cmd.rate / PUBLISHERS, offset: sentBySite[k]!, site: `bench-${k}`, k }),
    ),
  );
  parts.forEach((p, k) => {
    sentBySite[k]! += p.sent;
  });
  return {
    sent: parts.reduce((n, p) => n + p.sent, 0),
    acked: parts.reduce((n, p) => n + p.acked, 0),
    seconds: Math.max(...parts.map((p) => p.seconds)),
  };
}

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks
}
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}

interface PhaseResult {
  sustained: number;
  total: number;
  rows: string[];
}

/**
 * Rising paced rates against one consumer, the same way for the bare broker and for ingest: a
 * rate is sustained when the publisher reached it and the consumer had everything within 5 s.
 */
async function phases(
  url: string,
  deviceConnections: boolean,
  rates: number[],
  phaseS: number,
  consumed: () => number,
  sample: () => { cpu: number; rss: number; extra: string },
): Promise<PhaseResult> {
  let total = 0;
  let sustained = 0;
  const rows: string[] = [];
  const base = consumed();
  for (const rate of rates) {
    const before = sample();
    const t0 = performance.now();
    const pub = await publish({ url, rate, seconds: phaseS, devices: 400, deviceConnections });
    total += pub.sent;
    const phaseEnd = performance.now();
    while (consumed() - base < total && performance.now() - phaseEnd < 5000) await sleep(50);
    const lagS = (performance.now() - phaseEnd) / 1000;
    const caughtUp = consumed() - base >= total;
    const after = sample();
    const cpu = (after.cpu - before.cpu) / ((performance.now() - t0) / 1000);
    const achieved = Math.round(pub.sent / pub.seconds);
    const row = `| ${rate} | ${achieved} | ${caughtUp ? `${lagS.toFixed(1)} s` : '> 5 s (lagging)'} | ${Math.round(cpu * 100)} % | ${after.rss} MB | ${after.extra} |`;
    rows.push(row);
    console.log(row);
    if (!caughtUp || achieved < rate * 0.95) break;
    sustained = achieved;
  }
  return { sustained, total, rows };
}

function table(title: string, r: PhaseResult, extra: string): void {
  console.log(
    `\n${title}\n\n| target/s | published/s | caught up after phase | CPU | RSS | ${extra} |\n|---|---|---|---|---|---|`,
  );
  for (const row of r.rows) console.log(row);
}

/** A process under measurement: its CPU seconds and RSS, read from /proc. */
const usage = (pid: number) => ({ cpu: cpuSeconds(pid), rss: rssMb(pid) });

/** Starts a bench server process and resolves with it and the first JSON line it prints. */
async function serverProcess(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; ready: { port?: number } }> {
  // Node flags for the measured process only, e.g. FM_BENCH_INGEST_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
  const flags = (process.env.FM_BENCH_INGEST_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, 'bin/run-ts.js', ...args], {
    env: { ...process.env, FM_TEST_LOG: 'error', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString()));
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
  child.once('exit', (code, signal) => {
    if (stopping.has(child)) return;
    // Publishers would wait for it for ever: stop them, so the run ends with this error.
    console.error(`the measured process (${args.join(' ')}) exited mid-run: ${code ?? signal}`);
    for (const p of publishers) p.kill();
  });
  return { child, ready: line.startsWith('{') ? (JSON.parse(line) as { port?: number }) : {} };
}

const stopping = new WeakSet<ChildProcess>();

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  stopping.add(child);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
}

/** A plain QoS 1 subscriber to every telemetry topic: the bare broker's consumer. */
async function plainSubscriber(url: string, account?: { username: string; password: string }) {
  const clientId = account?.username ?? 'bench-sub';
  const sub = await mqtt.connectAsync(url, { clientId, ...account, protocolVersion: 4, clean: true });
  let received = 0;
  sub.on('message', () => received++);
  await sub.subscribeAsync('fm/+/+/+/telemetry', { qos: 1 });
  return { received: () => received, stop: () => sub.endAsync() };
}

async function main(): Promise<void> {
  const rates = arg('rates', '5000,10000,15000,20000,25000,30000').split(',').map(Number);
  const phaseS = Number(arg('phase-s', '8'));
  const brokerKind = arg('broker', 'platform');
  if (brokerKind !== 'platform' && brokerKind !== 'mosquitto') throw new Error('--broker platform|mosquitto');
  const onPlatform = brokerKind === 'platform';
  const influxd = await startInfluxd();
  const dataDir = tempDir('bench-ingest');
  const counters = () => JSON.parse(readFileSync(join(dataDir, 'counters.json'), 'utf8')) as IngestCounters;
  const durable = () => {
    const c = counters();
    return c.written + c.replayed;
  };
  // influxd's CPU since the previous sample (taken at the start of each phase).
  let influxAt = { cpu: 0, t: 0 };
  const influxdCpu = () => {
    const now = { cpu: cpuSeconds(influxd.pid()!), t: performance.now() };
    const pct = ((now.cpu - influxAt.cpu) / ((now.t - influxAt.t) / 1000)) * 100;
    influxAt = now;
    return Math.round(pct);
  };
  const ingestExtra = () => {
    const c = counters();
    return `spooled ${c.spooled}, write p50/p99 ${c.writeLatencyMs.p50.toFixed(1)}/${c.writeLatencyMs.p99.toFixed(1)} ms, influxd CPU ${influxdCpu()} %`;
  };
  let mosquitto: Awaited<ReturnType<typeof startMosquitto>> | undefined;
  let server: ChildProcess | undefined;
  let bare: PhaseResult;
  let e2e: PhaseResult;
  let labels: { bare: string; e2e: string; cpu: string };
  try {
    if (onPlatform) {
      labels = {
        bare: 'QoS 1 devices -> platform broker -> QoS 1 subscriber',
        e2e: 'QoS 1 devices -> platform broker + ingest on its bus, one process -> influxd 1.6',
        cpu: 'broker + ingest',
      };
      // 1. The broker alone, with a plain service subscriber.
      const b = await serverProcess(['bench/ingest-server.ts', 'bare']);
      server = b.child;
      const url = `mqtt://127.0.0.1:${b.ready.port}`;
      const sub = await plainSubscriber(url, { username: 'service.bench', password: BENCH_SERVICE_SECRET });
      console.log(`bare broker (${labels.bare}):`);
      const pid = server.pid!;
      bare = await phases(url, true, rates, phaseS, sub.received, () => ({ ...usage(pid), extra: 'broker' }));
      await sub.stop();
      await stopProcess(server);
      // 2. A fresh broker process with ingest on its bus.
      const e = await serverProcess(['bench/ingest-server.ts', 'ingest', influxd.url, influxd.database], {
        FM_TEST_DATA_DIR: dataDir,
      });
      server = e.child;
      const e2eUrl = `mqtt://127.0.0.1:${e.ready.port}`;
      const e2ePid = server.pid!;
      console.log(`end to end (${labels.e2e}):`);
      influxdCpu();
      e2e = await phases(e2eUrl, true, rates, phaseS, durable, () => ({
        ...usage(e2ePid),
        extra: ingestExtra(),
      }));
    } else {
      labels = {
        bare: 'QoS 1 publisher -> mosquitto -> QoS 1 subscriber',
        e2e: 'QoS 1 publisher -> mosquitto -> ingest process -> influxd 1.6',
        cpu: 'ingest',
      };
      // Ingest acknowledges after the write: the in-flight window bounds throughput, so it is opened.
      mosquitto = await startMosquitto(['max_inflight_messages 1000', 'max_queued_messages 1000000']);
      const url = `mqtt://127.0.0.1:${mosquitto.port}`;
      const mosquittoPid = mosquitto.pid;
      const sub = await plainSubscriber(url);
      console.log(`bare broker (${labels.bare}):`);
      bare = await phases(url, false, rates, phaseS, sub.received, () => ({
        ...usage(mosquittoPid),
        extra: 'mosquitto',
      }));
      await sub.stop();
      const e = await serverProcess(['tests/ingest/fixtures/run-ingest.ts'], {
        FM_TEST_DATA_DIR: dataDir,
        FM_TEST_MQTT_URL: url,
        FM_TEST_INFLUX_URL: influxd.url,
        FM_TEST_INFLUX_DB: influxd.database,
      });
      server = e.child;
      const pid = server.pid!;
      console.log(`end to end (${labels.e2e}):`);
      influxdCpu();
      e2e = await phases(url, false, rates, phaseS, durable, () => ({ ...usage(pid), extra: ingestExtra() }));
    }
    // Zero loss: wait for the rest, then count in InfluxDB.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && durable() < e2e.total) await sleep(200);
    const target = v1Target(influxd.url, influxd.database);
    let stored = 0;
    for (const kind of ['lift', 'pump', 'lighting', 'cctv']) stored += await countPoints(target, kind);

    table(`Bare broker: ${labels.bare}`, bare, 'measured process');
    table(`End to end: ${labels.e2e}`, e2e, `CPU and RSS are of ${labels.cpu}; spool, write latency`);
    console.log(
      `\npublished ${e2e.total} through ingest, stored in InfluxDB ${stored}: ${stored === e2e.total ? 'zero loss' : `LOST ${e2e.total - stored}`}`,
    );
    console.log(
      `sustained end to end with zero loss: ${e2e.sustained} readings/s; bare broker pub/sub ceiling: ${bare.sustained} msg/s; ratio ${(e2e.sustained / Math.max(1, bare.sustained)).toFixed(2)}`,
    );
  } finally {
    await stopProcess(server);
    await influxd.stop();
    await mosquitto?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--role')) await publisherRole();
else await main();
