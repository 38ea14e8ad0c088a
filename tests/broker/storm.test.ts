/**
 * Issue 17's reconnect storm as a test: 10,000 devices, each with its own secret, drop at once (every
 * socket destroyed, as when a switch reboots) and reconnect at random moments within 10 s; every one
 * must be back within 60 s, without a single refused or failed attempt, on one broker node and on two
 * nodes clustered on a real redis-server. It runs bench/storm.ts's fleet and brokers (each node its
 * own process, bench/broker-server.ts), so the test and the benchmark in bench/README-broker.md
 * measure the same thing.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  allBackS,
  dropAll,
  type Fleet,
  networkDrop,
  type StormBroker,
  startCluster,
  startOne,
} from '../../bench/storm.ts';
import { type RunningServer, startRedis } from '../support/servers.ts';

const DEVICES = 10_000;
const SPREAD_MS = 10_000;
const LIMIT_MS = 60_000;
// Connecting everyone first (1,000/s), the 2 s pause, the storm's limit, and starting the nodes.
const TIMEOUT_MS = DEVICES + 2_000 + LIMIT_MS + 30_000;

let broker: StormBroker | undefined;
let fleet: Fleet | undefined;
let redis: (RunningServer & { url: string }) | undefined;

afterEach(async () => {
  if (fleet) dropAll(fleet);
  fleet = undefined;
  await broker?.stop();
  broker = undefined;
});
afterAll(async () => redis?.stop());

/** Every device back within the limit, and no attempt refused, timed out or reset on the way. */
function expectAllBack(f: Fleet): void {
  expect(f.failures).toEqual({});
  expect(f.connected).toBe(DEVICES);
  expect(allBackS(f)).toBeLessThanOrEqual(LIMIT_MS / 1000);
}

describe(`a reconnect storm of ${DEVICES} devices within ${SPREAD_MS / 1000} s`, () => {
  it(
    'finds every device back on one broker node',
    async () => {
      broker = await startOne();
      fleet = await networkDrop(broker, DEVICES, SPREAD_MS, LIMIT_MS);
      expectAllBack(fleet);
      expect(broker.alive()).toBe(true);
    },
    TIMEOUT_MS,
  );

  it(
    'finds every device back on two broker nodes clustered on Redis, half on each',
    async () => {
      redis = await startRedis();
      broker = await startCluster(redis.url);
      expect(broker.ports).toHaveLength(2);
      fleet = await networkDrop(broker, DEVICES, SPREAD_MS, LIMIT_MS);
      expectAllBack(fleet);
      expect(broker.alive()).toBe(true);
    },
    TIMEOUT_MS,
  );
});
