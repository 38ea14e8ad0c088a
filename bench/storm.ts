/**
 * Reconnect storm: how fast a whole estate is back after a network drop and after a broker
 * restart, on the platform's broker and on Debian's mosquitto, each alone in its own process on
 * 127.0.0.1. Every device has its own secret (and the platform its own stored hash per device).
 *
 *   node bin/run-ts.js bench/storm.ts [--devices 10000] [--spread-s 10] [--limit-s 60] [--brokers ours,mosquitto,cluster]
 *
 * `cluster`: two platform broker nodes on one Redis, the devices split evenly between them (as a
 * round-robin balancer would place them); its "broker restart" kills and restarts both nodes,
 * while Redis (the sessions) stays.
 *
 * 1. N devices connect (1,000/s) and stay idle.
 * 2. Network drop: every device's socket is destroyed at once; each reconnects at a random moment
 *    within the spread, and after a failed attempt retries 1-2 s later, as devices do.
 * 3. Broker restart: the broker process is killed (SIGKILL) and started anew; every device
 *    reconnects within the spread from the moment it listens.
 * Printed per phase: seconds until every device was back (or how many were after the limit), how
 * many were back at 5, 10, 15 and 30 s, and the failed attempts by cause. Bounded; stops by itself.
 *
 * The fleet and the brokers are exported: tests/broker/storm.test.ts runs the network drop as a
 * test, on one node and on two nodes clustered on Redis.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { type RunningServer, startMosquitto, startRedis, tempDir } from '../tests/support/servers.ts';
import { benchDeviceId, benchSecret } from './broker-server.ts';
import { childBroker, type Running } from './children.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A broker under the storm; `ports`, when set, says where each device goes (device i: i mod n). */
export type StormBroker = Running & { ports?: number[] };

/** The platform's broker alone in its process, every device with its own secret. */
export const startOne = (): Promise<StormBroker> => childBroker('ours', ['ours', '1000', 'distinct']);

/** Two platform broker nodes on the Redis at `redisUrl`, the devices split evenly between them. */
export async function startCluster(redisUrl: string): Promise<StormBroker> {
  const env = { FM_BENCH_REDIS_URL: redisUrl };
  const nodes = await Promise.all(
    [0, 1].map((k) => childBroker(`cluster-${k}`, ['ours', '1000', 'distinct'], env)),
  );
  return {
    ...nodes[0]!,
    name: 'cluster',
    ports: nodes.map((n) => n.port),
    alive: () => nodes.every((n) => n.alive()),
    stop: async () => void (await Promise.all(nodes.map((n) => n.stop()))),
  };
}

/** Debian's mosquitto with a password file of the devices' secrets, written once into `dir`. */
async function startMosquittoFor(ids: string[], dir: string): Promise<StormBroker> {
  // The password file, hashed by mosquitto_passwd itself (its default PBKDF2-SHA512).
  const file = join(dir, 'passwords');
  if (!existsSync(file)) {
    writeFileSync(file, ids.map((id) => `${id}:${benchSecret(id)}`).join('\n'));
    execFileSync('mosquitto_passwd', ['-U', file]);
    // mosquitto started as root reads it after dropping to its own user.
    chmodSync(dir, 0o755);
    chmodSync(file, 0o644);
  }
  const started = await startMosquitto(['max_connections -1', `password_file ${file}`]);
  return {
    name: 'mosquitto',
    port: started.port,
    pid: started.pid,
    alive: () => true,
    counters: async () => ({}),
    stop: () => started.stop(),
  };
}

/** The kernel's count of connections dropped because a listen queue was full (all listeners). */
function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  return Number(values[names.indexOf('ListenOverflows')]);
}

export interface Fleet {
  /** How many devices the fleet has. */
  size: number;
  clients: (MqttClient | undefined)[];
  connected: number;
  failures: Record<string, number>;
  /** Milliseconds from the phase's start at which the i-th device came back. */
  backAt: number[];
  /** Listen queue overflows during the phase (machine-wide, so other load counts too). */
  overflows: number;
}

/** Connects device `i`, retrying 1-2 s after each failure until `deadline`. */
function connectDevice(fleet: Fleet, ports: number[], i: number, t0: number, deadline: number): void {
  const id = benchDeviceId(i);
  const c = mqtt.connect(`mqtt://127.0.0.1:${ports[i % ports.length]}`, {
    clientId: id,
    username: id,
    password: benchSecret(id),
    keepalive: 120,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  let settled = false;
  const fail = (cause: string) => {
    if (settled) return;
    settled = true;
    fleet.failures[cause] = (fleet.failures[cause] ?? 0) + 1;
    c.end(true);
    if (performance.now() < deadline)
      setTimeout(() => connectDevice(fleet, ports, i, t0, deadline), 1000 + Math.random() * 1000);
  };
  c.once('connect', () => {
    settled = true;
    fleet.clients[i] = c;
    fleet.connected++;
    fleet.backAt.push(performance.now() - t0);
  });
  c.once('error', (err) => fail((err as { code?: string | number }).code?.toString() ?? err.message));
  c.once('close', () => fail('closed before CONNACK'));
}

/**
 * Devices `d0`..`d<n-1>` connect to `broker`, each at a random moment within `spreadMs`; resolves
 * when all are back or `limitMs` after the start.
 */
export async function storm(
  broker: StormBroker,
  n: number,
  spreadMs: number,
  limitMs: number,
): Promise<Fleet> {
  const ports = broker.ports ?? [broker.port];
  const fleet: Fleet = {
    size: n,
    clients: new Array(n),
    connected: 0,
    failures: {},
    backAt: [],
    overflows: 0,
  };
  const overflowsBefore = listenOverflows();
  const t0 = performance.now();
  const deadline = t0 + limitMs;
  for (let i = 0; i < n; i++)
    setTimeout(() => connectDevice(fleet, ports, i, t0, deadline), Math.random() * spreadMs);
  while (fleet.connected < n && performance.now() < deadline) await sleep(100);
  fleet.overflows = listenOverflows() - overflowsBefore;
  return fleet;
}

/** Seconds until every device was back, or undefined when some were not. */
export const allBackS = (fleet: Fleet): number | undefined =>
  fleet.connected === fleet.size ? Math.max(...fleet.backAt) / 1000 : undefined;

export function summary(broker: string, phase: string, fleet: Fleet) {
  const back = (s: number) => fleet.backAt.filter((t) => t <= s * 1000).length;
  const last = allBackS(fleet);
  return {
    broker,
    phase,
    allBackS: last === undefined ? `not all: ${fleet.connected}` : last.toFixed(1),
    at5s: back(5),
    at10s: back(10),
    at15s: back(15),
    at30s: back(30),
    failed: JSON.stringify(fleet.failures),
    listenOverflows: fleet.overflows,
  };
}

/** Every socket goes away without DISCONNECT, as when a switch reboots. */
export function dropAll(fleet: Fleet): void {
  for (const c of fleet.clients) {
    c?.removeAllListeners('close');
    c?.stream.destroy();
    c?.end(true);
  }
}

/**
 * Everyone connects first (1,000/s) and, 2 s later, drops at once and reconnects within `spreadMs`.
 * Resolves with the reconnect phase; the devices stay connected (dropAll them when done).
 */
export async function networkDrop(
  broker: StormBroker,
  n: number,
  spreadMs: number,
  limitMs: number,
): Promise<Fleet> {
  const initial = await storm(broker, n, n, limitMs);
  if (initial.connected < n) {
    dropAll(initial);
    throw new Error(`${broker.name}: only ${initial.connected} of ${n} connected at first`);
  }
  await sleep(2000);
  dropAll(initial);
  return storm(broker, n, spreadMs, limitMs);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      devices: { type: 'string', default: '10000' },
      'spread-s': { type: 'string', default: '10' },
      'limit-s': { type: 'string', default: '60' },
      brokers: { type: 'string', default: 'ours,mosquitto' },
    },
  });
  const n = Number(values.devices);
  const spreadMs = Number(values['spread-s']) * 1000;
  const limitMs = Number(values['limit-s']) * 1000;
  const passwords = tempDir('storm');
  let redis: (RunningServer & { url: string }) | undefined;
  process.on('exit', () => {
    rmSync(passwords, { recursive: true, force: true });
    try {
      if (redis) process.kill(redis.pid, 'SIGKILL');
    } catch {
      // Already stopped.
    }
  });
  const ids = Array.from({ length: n }, (_, i) => benchDeviceId(i));
  const starters: Record<string, () => Promise<StormBroker>> = {
    ours: startOne,
    mosquitto: () => startMosquittoFor(ids, passwords),
    cluster: async () => {
      redis ??= await startRedis();
      return startCluster(redis.url);
    },
  };

  const results: ReturnType<typeof summary>[] = [];
  for (const name of values.brokers.split(',')) {
    const start = starters[name];
    if (!start) throw new Error(`unknown broker ${name}; choose from ${Object.keys(starters).join(', ')}`);
    let broker = await start();
    try {
      const drop = await networkDrop(broker, n, spreadMs, limitMs);
      results.push(summary(name, 'network drop', drop));
      console.log(JSON.stringify(results.at(-1)));
      await sleep(2000);

      await broker.stop(); // SIGKILL for ours; mosquitto is stopped and started again
      dropAll(drop);
      broker = await start();
      const restart = await storm(broker, n, spreadMs, limitMs);
      results.push(summary(name, 'broker restart', restart));
      console.log(JSON.stringify(results.at(-1)));
      dropAll(restart);
    } finally {
      await broker.stop();
    }
  }
  console.log(`\n${n} devices reconnecting within ${spreadMs / 1000} s (limit ${limitMs / 1000} s):`);
  console.table(results);
  await redis?.stop();
  redis = undefined;
  process.exit(0);
}

if (process.argv[1]?.endsWith('storm.ts')) await main();
