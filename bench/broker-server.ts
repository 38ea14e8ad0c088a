/**
 * A broker under benchmark, alone in its process so its CPU and RSS are its own.
 * `node bin/run-ts.js bench/broker-server.ts ours|aedes [deviceRate] [distinct]`: prints {"port":N}
 * and answers each line "counters" on stdin with the broker's counters as one JSON line. With
 * `distinct`, every device has its own secret and stored hash (`benchSecret`), as in a registry.
 */
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { Aedes } from 'aedes';
import pino from 'pino';
import { type BrokerOptions, startBroker } from '../src/broker/index.ts';
import { hashSecretSync } from '../src/records/secrets.ts';
import { fixedDirectory, testOptions } from '../tests/broker/support.ts';

export const BENCH_SECRET = 'bench-device-secret-0123456789';
export const BENCH_SERVICE_SECRET = 'bench-service-secret-0123456789';
/** Device ids are `d<N>`, all lifts of site `bench`. */
export const benchDeviceId = (n: number) => `d${n}`;
/** A device's own secret in the `distinct` mode. */
export const benchSecret = (deviceId: string) => `${BENCH_SECRET}-${deviceId}`;

/** The platform broker's settings in the benchmarks: the tests' (loopback, ephemeral ports) with `overrides`. */
export function benchBrokerOptions(overrides: Partial<BrokerOptions>): BrokerOptions {
  return { ...testOptions, ...overrides };
}

async function main(): Promise<void> {
  const [mode, rate, secrets] = process.argv.slice(2);
  if (mode === 'aedes') {
    const aedes = await Aedes.createBroker();
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      aedes.handle(socket);
    });
    server.listen(0, '127.0.0.1', () => {
      console.log(JSON.stringify({ port: (server.address() as { port: number }).port }));
    });
    createInterface({ input: process.stdin }).on('line', () => console.log('{}'));
    return;
  }
  // Unless `distinct`, every device shares one hash: the benchmark measures the broker, not
  // registering a fleet.
  const shared = hashSecretSync(BENCH_SECRET);
  const hashes = new Map<string, string>();
  const hashOf = (deviceId: string) => {
    if (secrets !== 'distinct') return shared;
    const known = hashes.get(deviceId);
    if (known) return known;
    const h = hashSecretSync(benchSecret(deviceId));
    hashes.set(deviceId, h);
    return h;
  };
  const directory = fixedDirectory((deviceId) =>
    /^d\d+$/.test(deviceId)
      ? {
          deviceId,
          site: 'bench',
          kind: 'lift',
          building: null,
          intervalS: 10,
          secretHash: hashOf(deviceId),
          secretRotatedAt: null,
          revokedAt: null,
        }
      : undefined,
  );
  const broker = await startBroker({
    options: benchBrokerOptions({
      deviceRate: Number(rate ?? 1000),
      // A node of a cluster on this Redis (bench/cluster.ts); the default heartbeat.
      ...(process.env.FM_BENCH_REDIS_URL
        ? { cluster: { redisUrl: process.env.FM_BENCH_REDIS_URL, heartbeatMs: 10_000 } }
        : {}),
    }),
    log: pino({ level: 'warn' }, pino.destination(2)),
    devices: directory,
    serviceSecret: BENCH_SERVICE_SECRET,
  });
  console.log(JSON.stringify({ port: broker.addresses.tcp.port }));
  createInterface({ input: process.stdin }).on('line', () => console.log(JSON.stringify(broker.counters())));
}

if (process.argv[1]?.endsWith('broker-server.ts')) await main();
