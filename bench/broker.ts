/**
 * Broker benchmark: the same load against the platform's broker (authenticated, ACL, limits), bare
 * aedes and Debian's mosquitto, each alone in its own process. Loopback only; every phase bounded.
 *
 *   node bin/run-ts.js bench/broker.ts [--devices 1000] [--big 10000] [--phase-s 8] [--rates 5000,10000,20000,40000]
 *
 * Prints msgs/s sustained, p50/p99 publish-to-subscriber latency, broker CPU and RSS per phase.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { startMosquitto } from '../tests/support/servers.ts';
import { BENCH_SECRET, BENCH_SERVICE_SECRET, benchDeviceId } from './broker-server.ts';
import { childBroker, type Running } from './children.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    big: { type: 'string', default: '10000' },
    'phase-s': { type: 'string', default: '8' },
    rates: { type: 'string', default: '5000,10000,20000,40000' },
  },
});
const DEVICES = Number(values.devices);
const BIG = Number(values.big);
const PHASE_MS = Number(values['phase-s']) * 1000;
const RATES = values.rates.split(',').map(Number);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => performance.timeOrigin + performance.now();

async function mosquitto(): Promise<Running> {
  const m = await startMosquitto([
    'max_queued_messages 100000',
    'max_inflight_messages 0',
    'max_connections -1',
  ]);
  return {
    name: 'mosquitto',
    port: m.port,
    pid: m.pid,
    alive: () => existsSync(`/proc/${m.pid}`),
    counters: async () => ({}),
    stop: () => m.stop(),
  };
}

/** Broker CPU (ticks of 10 ms) and RSS (MB) from /proc. */
function usage(pid: number): { ticks: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { ticks, rssMb: Math.round(Number(rss) / 1024) };
}

function connectAll(port: number, ids: string[], perSecond: number, password: string): Promise<MqttClient[]> {
  return new Promise((resolve, reject) => {
    const clients: MqttClient[] = [];
    let connected = 0;
    let i = 0;
    const timer = setInterval(() => {
      for (const end = Math.min(ids.length, i + perSecond / 10); i < end; i++) {
        const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
          clientId: ids[i],
          username: ids[i],
          password,
          keepalive: 120,
          reconnectPeriod: 0,
          connectTimeout: 30_000,
        });
        c.once('connect', () => {
          if (++connected === ids.length) resolve(clients);
        });
        c.once('error', (err) => reject(new Error(`${ids[i]}: ${err.message}`)));
        clients.push(c);
      }
      if (i >= ids.length) clearInterval(timer);
    }, 100);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

interface PhaseResult {
  broker: string;
  offered: number;
  sent: number;
  received: number;
  rate: number;
  p50: number;
  p99: number;
  cpuPct: number;
  rssMb: number;
  /** The broker process died during or right after the phase. */
  crashed?: true;
}

async function phase(b: Running, devices: MqttClient[], sub: MqttClient, rate: number): Promise<PhaseResult> {
  const latencies: number[] = [];
  const onMessage = (_t: string, payload: Buffer) => {
    const at = nowMs();
    const i = payload.indexOf('"sent":');
    latencies.push(at - Number(payload.toString('latin1', i + 7, payload.indexOf(',', i))));
  };
  sub.on('message', onMessage);
  const before = usage(b.pid);
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < PHASE_MS) {
    const due = Math.floor(((performance.now() - start) * rate) / 1000);
    for (; sent < due; sent++) {
      const d = devices[sent % devices.length]!;
      d.publish(
        `fm/bench/lift/${d.options.clientId}/telemetry`,
        `{"seq":${sent},"sent":${nowMs()},"floor":3,"direction":"up","speed_mps":1.5,"door":"closed","door_zone":false,"occupied":true,"mode":"normal","door_cycles_total":1,"runs_total":1}`,
        { qos: 0 },
      );
    }
    await sleep(5);
  }
  const elapsed = (performance.now() - start) / 1000;
  // Let what is in flight arrive (bounded).
  for (let i = 0; i < 20 && latencies.length < sent; i++) await sleep(100);
  const crashed = !b.alive();
  const after = crashed ? before : usage(b.pid);
  sub.off('message', onMessage);
  latencies.sort((x, y) => x - y);
  return {
    broker: b.name,
    offered: rate,
    sent,
    received: latencies.length,
    rate: Math.round(latencies.length / elapsed),
    p50: Math.round(percentile(latencies, 0.5) * 10) / 10,
    p99: Math.round(percentile(latencies, 0.99) * 10) / 10,
    cpuPct: Math.round(((after.ticks - before.ticks) / 100 / elapsed) * 100),
    rssMb: after.rssMb,
    ...(crashed ? { crashed: true as const } : {}),
  };
}

const passes = (r: PhaseResult) => !r.crashed && r.received >= 0.99 * r.sent && r.p99 < 1000;

async function loadTest(b: Running): Promise<PhaseResult[]> {
  const ids = Array.from({ length: DEVICES }, (_, i) => benchDeviceId(i));
  const devices = await connectAll(b.port, ids, 500, BENCH_SECRET);
  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${b.port}`, {
    clientId: 'service.bench',
    username: 'service.bench',
    password: BENCH_SERVICE_SECRET,
    reconnectPeriod: 0,
  });
  await sub.subscribeAsync('fm/#', { qos: 0 });
  const results: PhaseResult[] = [];
  try {
    for (const rate of RATES) {
      const r = await phase(b, devices, sub, rate);
      results.push(r);
      console.log(JSON.stringify(r));
      await sleep(1000);
      if (!b.alive()) r.crashed = true;
      if (!passes(r)) break;
    }
  } finally {
    for (const d of devices) d.end(true);
    sub.end(true);
  }
  await sleep(1000); // the subscriber's disconnect is what kills bare aedes (aedes#193)
  const last = results.at(-1);
  if (last && !b.alive()) {
    last.crashed = true;
    console.log(`${b.name} died after the ${last.offered}/s phase`);
  }
  return results;
}

async function connectedRss(
  b: Running,
): Promise<{ broker: string; devices: number; rssMb: number; seconds: number }> {
  const started = performance.now();
  const ids = Array.from({ length: BIG }, (_, i) => benchDeviceId(100_000 + i));
  const clients = await connectAll(b.port, ids, 1000, BENCH_SECRET);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  await sleep(3000);
  const { rssMb } = usage(b.pid);
  for (const c of clients) c.end(true);
  await sleep(1000);
  return { broker: b.name, devices: BIG, rssMb, seconds };
}

const brokers: [string, () => Promise<Running>][] = [
  ['ours', () => childBroker('ours', ['ours', '1000'])],
  ['aedes', () => childBroker('aedes', ['aedes'])],
  ['mosquitto', mosquitto],
];
const load: PhaseResult[] = [];
const big: Awaited<ReturnType<typeof connectedRss>>[] = [];
for (const [, start] of brokers) {
  const b = await start();
  try {
    load.push(...(await loadTest(b)));
  } finally {
    await b.stop();
  }
  // A fresh process, so the load phases' heap does not count against the idle connections.
  const fresh = await start();
  try {
    big.push(await connectedRss(fresh));
    console.log(JSON.stringify(big.at(-1)));
  } finally {
    await fresh.stop();
  }
}

// Overload with the default per-device rate (20/s): the platform slows publishers and counts it.
const limited = await childBroker('ours (20/s per device)', ['ours', '20']);
let overload: { result: PhaseResult; counters: Record<string, unknown> } | undefined;
try {
  const saved = RATES.splice(0, RATES.length, Math.max(...RATES));
  const [result] = await loadTest(limited);
  RATES.splice(0, RATES.length, ...saved);
  overload = { result: result!, counters: await limited.counters() };
} finally {
  await limited.stop();
}

console.log('\nload (QoS 0, one wildcard subscriber):');
console.table(load);
const best = (name: string) =>
  Math.max(0, ...load.filter((r) => r.broker === name && passes(r)).map((r) => r.rate));
console.log(
  `sustained msgs/s: ours ${best('ours')}, bare aedes ${best('aedes')}, mosquitto ${best('mosquitto')}; ours/aedes = ${(best('ours') / best('aedes')).toFixed(2)}`,
);
console.log(`\n${BIG} connected devices:`);
console.table(big);
console.log('\noverload with the default device rate:');
console.table([overload?.result]);
const c = overload?.counters as
  | { rateDelayed?: number; overloadDelayed?: number; drops?: object; refusals?: object }
  | undefined;
console.log(
  `rate-delayed publishes ${c?.rateDelayed}, overload-delayed ${c?.overloadDelayed}, drops ${JSON.stringify(c?.drops)}, refusals ${JSON.stringify(c?.refusals)}`,
);
process.exit(0);
