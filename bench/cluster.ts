/**
 * The platform's broker alone and as two nodes clustered on Redis (mqemitter-redis and
 * aedes-persistence-redis), each node its own process on 127.0.0.1, in interleaved rounds.
 *
 *   node bin/run-ts.js bench/cluster.ts [--devices 1000] [--idle 5000] [--phase-s 8] [--rates 5000,10000] [--rounds 3]
 *
 * Load: devices (split evenly over the nodes) publish lift telemetry at QoS 0 at a fixed total
 * rate; one service client on the first node, subscribed to `fm/#`, stands in for a node's
 * services and receives everything. Per phase: messages delivered per second (and per node), p99
 * publish-to-delivery, each node's CPU, and Redis's CPU. Idle: a fresh first node takes `--idle`
 * devices; its RSS before and after gives MB per 1,000 connections. Printed: every sample, then
 * medians per layout. Bounded; stops by itself.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { startRedis } from '../tests/support/servers.ts';
import { BENCH_SECRET, BENCH_SERVICE_SECRET, benchDeviceId } from './broker-server.ts';
import { childBroker, type Running } from './children.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    idle: { type: 'string', default: '5000' },
    'phase-s': { type: 'string', default: '8' },
    rates: { type: 'string', default: '5000,10000' },
    rounds: { type: 'string', default: '3' },
  },
});
const DEVICES = Number(values.devices);
const IDLE = Number(values.idle);
const PHASE_MS = Number(values['phase-s']) * 1000;
const RATES = values.rates.split(',').map(Number);
const ROUNDS = Number(values.rounds);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => performance.timeOrigin + performance.now();

/** CPU ticks (10 ms) and RSS (MB) of a process, from /proc. */
function usage(pid: number): { ticks: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { ticks: Number(fields[11]) + Number(fields[12]), rssMb: Number(rss) / 1024 };
}

async function connectAll(ports: number[], ids: string[], perSecond: number): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  for (let i = 0; i < ids.length; i += perSecond / 10) {
    const batch = ids.slice(i, i + perSecond / 10).map((id, k) =>
      mqtt.connectAsync(`mqtt://127.0.0.1:${ports[(i + k) % ports.length]}`, {
        clientId: id,
        username: id,
        password: BENCH_SECRET,
        keepalive: 120,
        reconnectPeriod: 0,
        connectTimeout: 30_000,
      }),
    );
    clients.push(...(await Promise.all(batch)));
    await sleep(100);
  }
  return clients;
}

interface Layout {
  name: 'single' | 'cluster';
  nodes: Running[];
  stop(): Promise<void>;
}

async function layout(name: Layout['name'], redisUrl: string): Promise<Layout> {
  const env: Record<string, string> = name === 'cluster' ? { FM_BENCH_REDIS_URL: redisUrl } : {};
  const count = name === 'cluster' ? 2 : 1;
  const nodes: Running[] = [];
  for (let i = 0; i < count; i++) nodes.push(await childBroker(`${name}-${i}`, ['ours', '1000'], env));
  return { name, nodes, stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))) };
}

interface Sample {
  layout: string;
  offered: number;
  delivered: number;
  perNode: number;
  p99: number;
  nodeCpuPct: number;
  redisCpuPct: number;
  /** The machine's 1-minute load average at the phase's end (other work shares it). */
  load1: number;
}

async function load(
  l: Layout,
  redisPid: number,
  rate: number,
  devices: MqttClient[],
  sub: MqttClient,
): Promise<Sample> {
  const latencies: number[] = [];
  const onMessage = (_t: string, payload: Buffer) => {
    const i = payload.indexOf('"sent":');
    latencies.push(nowMs() - Number(payload.toString('latin1', i + 7, payload.indexOf(',', i))));
  };
  sub.on('message', onMessage);
  const before = l.nodes.map((n) => usage(n.pid).ticks);
  const redisBefore = usage(redisPid).ticks;
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
  for (let i = 0; i < 20 && latencies.length < sent; i++) await sleep(100);
  const cpu = l.nodes.map((n, k) => ((usage(n.pid).ticks - before[k]!) / 100 / elapsed) * 100);
  const redisCpu = ((usage(redisPid).ticks - redisBefore) / 100 / elapsed) * 100;
  sub.off('message', onMessage);
  latencies.sort((a, b) => a - b);
  const delivered = Math.round(latencies.length / elapsed);
  return {
    layout: l.name,
    offered: rate,
    delivered: latencies.length >= 0.99 * sent ? delivered : -delivered, // negative: loss
    perNode: Math.round(delivered / l.nodes.length),
    p99: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? Number.NaN),
    nodeCpuPct: Math.round(cpu.reduce((a, b) => a + b, 0) / cpu.length),
    redisCpuPct: Math.round(redisCpu),
    load1: Math.round(loadavg()[0]! * 10) / 10,
  };
}

async function loadPhases(l: Layout, redisPid: number): Promise<Sample[]> {
  const ports = l.nodes.map((n) => n.port);
  const devices = await connectAll(
    ports,
    Array.from({ length: DEVICES }, (_, i) => benchDeviceId(i)),
    500,
  );
  const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports[0]}`, {
    clientId: 'service.bench',
    username: 'service.bench',
    password: BENCH_SERVICE_SECRET,
    reconnectPeriod: 0,
  });
  await sub.subscribeAsync('fm/#', { qos: 0 });
  const samples: Sample[] = [];
  for (const rate of RATES) {
    samples.push(await load(l, redisPid, rate, devices, sub));
    console.log(JSON.stringify(samples.at(-1)));
    await sleep(1000);
  }
  for (const d of devices) d.end(true);
  sub.end(true);
  return samples;
}

/** MB of the first node's RSS per 1,000 idle connections, on a fresh layout. */
async function idleMb(l: Layout): Promise<number> {
  await sleep(2000);
  const before = usage(l.nodes[0]!.pid).rssMb;
  const clients = await connectAll(
    [l.nodes[0]!.port],
    Array.from({ length: IDLE }, (_, i) => benchDeviceId(100_000 + i)),
    1000,
  );
  await sleep(3000);
  const after = usage(l.nodes[0]!.pid).rssMb;
  for (const c of clients) c.end(true);
  return Math.round(((after - before) / IDLE) * 1000 * 10) / 10;
}

const median = (xs: number[]) => {
  const s = xs.toSorted((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const redis = await startRedis();
const samples: Sample[] = [];
const idle: { layout: string; mbPer1000: number }[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, the order alternating, so drift in the shared machine's load falls on both.
    const order: Layout['name'][] = round % 2 === 0 ? ['single', 'cluster'] : ['cluster', 'single'];
    for (const name of order) {
      const l = await layout(name, redis.url);
      try {
        samples.push(...(await loadPhases(l, redis.pid)));
      } finally {
        await l.stop();
      }
      const fresh = await layout(name, redis.url);
      try {
        idle.push({ layout: name, mbPer1000: await idleMb(fresh) });
        console.log(JSON.stringify(idle.at(-1)));
      } finally {
        await fresh.stop();
      }
    }
  }
} finally {
  await redis.stop();
}

console.log(`\nmedians of ${ROUNDS} interleaved rounds:`);
const rows = [];
for (const name of ['single', 'cluster'])
  for (const rate of RATES) {
    const of = samples.filter((s) => s.layout === name && s.offered === rate);
    const pick = (k: keyof Sample) => median(of.map((s) => s[k] as number));
    const redisCpu = pick('redisCpuPct');
    rows.push({
      layout: name,
      offered: rate,
      delivered: pick('delivered'),
      perNode: pick('perNode'),
      p99: pick('p99'),
      nodeCpuPct: pick('nodeCpuPct'),
      redisCpuPct: redisCpu,
      load1: pick('load1'),
      redisCpuPer10k:
        name === 'cluster' ? Math.round((redisCpu / (pick('delivered') / 10_000)) * 10) / 10 : 0,
    });
  }
console.table(rows);
console.table(
  ['single', 'cluster'].map((name) => ({
    layout: name,
    mbPer1000: median(idle.filter((i) => i.layout === name).map((i) => i.mbPer1000)),
  })),
);
process.exit(0);
