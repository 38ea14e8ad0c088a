/**
 * Two broker nodes on one Redis, in this process (the node-death cases run nodes as processes, in
 * cluster.test.ts): a message reaches each node's bus once, and each node's ingest stores only what
 * its own node's clients published, so two ingests store every reading exactly once.
 */
import { rmSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clusterParts } from '../../src/broker/cluster.ts';
import type { Broker, BusMessage } from '../../src/broker/index.ts';
import { type Ingest, ingestOptions, startIngest } from '../../src/ingest/index.ts';
import { createLogger } from '../../src/log.ts';
import { countPoints, devicesFor, telemetry, v1Target, waitFor } from '../ingest/support.ts';
import { type RunningInfluxd, startInfluxd } from '../support/influxd.ts';
import { type RunningServer, startRedis, tempDir } from '../support/servers.ts';
import {
  brokerWith,
  collect,
  device,
  MemoryDirectory,
  refusalCode,
  service,
  sleep,
  testOptions,
  until,
} from './support.ts';

const log = createLogger({ level: process.env.FM_TEST_LOG ?? 'silent', format: 'json' });
const SITE = 'estate-cluster';
const devices = devicesFor(SITE, 1); // one of each kind
const directory = new MemoryDirectory();
const cleanup: (() => Promise<unknown>)[] = [];

let redis: RunningServer & { url: string };
let influxd: RunningInfluxd;
let nodes: Broker[];
let ingests: Ingest[];

beforeAll(async () => {
  for (const d of devices) await directory.add(d.deviceId, d.site, d.kind);
  await directory.add('flapper', SITE, 'lift');
  [redis, influxd] = await Promise.all([startRedis(), startInfluxd()]);
  cleanup.push(
    () => redis.stop(),
    () => influxd.stop(),
  );
  const cluster = { redisUrl: redis.url, heartbeatMs: 1000 };
  nodes = [await brokerWith(directory, { cluster }), await brokerWith(directory, { cluster })];
  cleanup.push(...nodes.map((n) => () => n.stop()));
  const target = v1Target(influxd.url, influxd.database);
  ingests = [];
  for (const node of nodes) {
    const dataDir = tempDir('cluster-ingest');
    cleanup.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const ingest = await startIngest({
      options: ingestOptions({ dataDir, influx: target }),
      bus: node.bus,
      log,
      devices: directory,
    });
    // Stopped before the brokers (cleanup runs in reverse).
    cleanup.push(() => ingest.stop());
    ingests.push(ingest);
  }
}, 60_000);

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

it('names each node and reports it healthy while Redis answers', () => {
  const [one, two] = nodes;
  expect(one!.nodeId).toMatch(/^[0-9a-f-]{36}$/);
  expect(two!.nodeId).not.toBe(one!.nodeId);
  expect(one!.health()).toEqual({ status: 'ok' });
});

it("delivers a message published on node 2 to node 1's bus once, and to its local-only subscribers never", async () => {
  const [one, two] = nodes as [Broker, Broker];
  const all: BusMessage[] = [];
  const local: BusMessage[] = [];
  const filter = `fm/${SITE}/+/+/telemetry`;
  const ends = [
    await one.bus.subscribe(filter, (m, done) => {
      all.push(m);
      done();
    }),
    // A second, overlapping filter on the same node: Redis matches both patterns, the node still
    // hands the message on once per subscription.
    await one.bus.subscribe(`fm/${SITE}/#`, (_m, done) => done()),
    await one.bus.subscribe(
      filter,
      (m, done) => {
        local.push(m);
        done();
      },
      { localOnly: true },
    ),
  ];
  const d = devices[0]!;
  const onTwo = await device(two, d.deviceId);
  const m = telemetry(d, 1, Date.now());
  await onTwo.publishAsync(m.topic, m.payload, { qos: 1 });
  await until(() => all.length >= 1);
  await sleep(300); // a second copy would have arrived by now
  expect(all.map((x) => x.topic)).toEqual([m.topic]);
  expect(local).toEqual([]);
  await onTwo.endAsync();

  // The same device on node 1: now it is node 1's own.
  const onOne = await device(one, d.deviceId);
  await onOne.publishAsync(m.topic, telemetry(d, 2, Date.now()).payload, { qos: 1 });
  await until(() => local.length >= 1);
  expect(all).toHaveLength(2);
  await onOne.endAsync();
  for (const end of ends) await end();
});

it('lets a device on node 1 and a service on node 2 see each other', async () => {
  const [one, two] = nodes as [Broker, Broker];
  const d = devices[1]!;
  const svc = await service(two, 'cluster-watch');
  const seen = collect(svc);
  await svc.subscribeAsync(`fm/${SITE}/+/+/telemetry`, { qos: 1 });
  const dev = await device(one, d.deviceId);
  const commands = collect(dev);
  const commandTopic = `fm/${SITE}/${d.kind}/${d.deviceId}/command`;
  await dev.subscribeAsync(commandTopic, { qos: 1 });
  await sleep(200); // the subscription reaches the other node's persistence through the bus
  const m = telemetry(d, 1, Date.now());
  await dev.publishAsync(m.topic, m.payload, { qos: 1 });
  await svc.publishAsync(commandTopic, JSON.stringify({ ts: Date.now(), seq: 1, action: 'ping' }), {
    qos: 1,
  });
  await until(() => seen.length >= 1 && commands.length >= 1);
  expect(seen[0]!.topic).toBe(m.topic);
  expect(commands[0]!.topic).toBe(commandTopic);
  await Promise.all([svc.endAsync(), dev.endAsync()]);
});

it('answers a persistent session subscribing to several filters in one SUBSCRIBE, and delivers on each', async () => {
  const [one, two] = nodes as [Broker, Broker];
  const d = devices[0]!;
  const svc = await service(two, 'multi', { clean: false });
  const seen = collect(svc);
  const filters = [`fm/${SITE}/+/+/telemetry`, `fm/${SITE}/+/+/status`, `fm/${SITE}/+/+/event`];
  // aedes stored the whole list once per filter, and all but one of those stores never settled on
  // the shared persistence: no SUBACK came. A timeout makes that a failure, not a hung test.
  const granted = await Promise.race([
    svc.subscribeAsync(filters, { qos: 1 }),
    sleep(5000).then(() => 'no SUBACK within 5 s'),
  ]);
  expect(Array.isArray(granted) ? granted.map((g) => g.qos) : granted).toEqual([1, 1, 1]);
  await sleep(200); // the subscriptions reach the other node through the bus
  const dev = await device(one, d.deviceId);
  const event = `fm/${SITE}/${d.kind}/${d.deviceId}/event`;
  await dev.publishAsync(
    event,
    JSON.stringify({ ts: Date.now(), seq: 1, code: 'alarm_button', state: 'raised' }),
    {
      qos: 1,
    },
  );
  const m = telemetry(d, 2, Date.now());
  await dev.publishAsync(m.topic, m.payload, { qos: 1 });
  await until(() => seen.length >= 2).catch(() => {}); // the comparison says what was missing
  expect(seen.map((x) => x.topic).sort()).toEqual([m.topic, event].sort());
  await Promise.all([svc.endAsync(), dev.endAsync()]);
});

it('delivers a retained status that a reading published right after it overtook on the way', async () => {
  const [one, two] = nodes as [Broker, Broker];
  const d = devices[2]!;
  const svc = await service(two, 'overtaken', { clean: false });
  const seen = collect(svc);
  await svc.subscribeAsync([`fm/${SITE}/+/+/telemetry`, `fm/${SITE}/+/+/status`], { qos: 1 });
  await sleep(200); // the subscriptions reach the other node through the bus
  const dev = await device(one, d.deviceId);
  // Sent together, as a device coming online does. Node 1 numbers the status first, but stores it
  // as retained before it puts it on the bus: the reading gets there first. aedes then dropped the
  // status, as numbered below the last message the service had from node 1, every time.
  const status = `fm/${SITE}/${d.kind}/${d.deviceId}/status`;
  const m = telemetry(d, 3, Date.now());
  await Promise.all([
    dev.publishAsync(status, JSON.stringify({ ts: Date.now(), status: 'online' }), { qos: 1, retain: true }),
    dev.publishAsync(m.topic, m.payload, { qos: 1 }),
  ]);
  await until(() => seen.length >= 2).catch(() => {}); // the comparison says what was missing
  expect(seen.map((x) => x.topic).sort()).toEqual([m.topic, status].sort());
  await Promise.all([svc.endAsync(), dev.endAsync()]);
});

it("stores each reading once when both nodes' ingests see every message", async () => {
  const [one, two] = nodes as [Broker, Broker];
  const base = Date.now() - 3_600_000;
  const PER_DEVICE = 50;
  const taken = () => ingests.reduce((n, i) => n + i.counters().readingsIn, 0);
  const before = taken();
  const clients: MqttClient[] = [];
  // Half the devices on each node.
  for (const [k, d] of devices.entries()) clients.push(await device(k % 2 === 0 ? one : two, d.deviceId));
  await Promise.all(
    devices.map(async (d, k) => {
      for (let seq = 0; seq < PER_DEVICE; seq++) {
        const m = telemetry(d, 100 + seq, base + seq * 1000);
        await clients[k]!.publishAsync(m.topic, m.payload, { qos: 1 });
      }
    }),
  );
  const total = devices.length * PER_DEVICE;
  const target = v1Target(influxd.url, influxd.database);
  const stored = async () => {
    let n = 0;
    for (const kind of ['lift', 'pump', 'lighting', 'cctv'])
      n += await countPoints(
        target,
        kind,
        'seq',
        `time >= ${base}ms AND time < ${base + PER_DEVICE * 1000}ms`,
      );
    return n;
  };
  await waitFor('every reading stored', async () => (await stored()) >= total, 20_000);
  await sleep(1000); // a second copy would have been written by now
  expect(await stored()).toBe(total);
  // InfluxDB keeps one point per series and time whatever the writes, so the count above cannot
  // see a reading written twice: ingest's own count can. Each node's ingest took its own node's
  // devices' readings, none of the other's.
  expect(taken() - before).toBe(total);
  expect(ingests.every((i) => i.counters().readingsIn > 0)).toBe(true);
  await Promise.all(clients.map((c) => c.endAsync()));
});

it('bans on every node a device banned for flapping on one', async () => {
  const [one, two] = nodes as [Broker, Broker];
  for (let i = 0; i < testOptions.flapConnects; i++) await (await device(one, 'flapper')).endAsync();
  expect(await refusalCode(device(one, 'flapper'))).toBe(5); // banned here...
  await sleep(300); // the ban crosses the bus
  expect(await refusalCode(device(two, 'flapper'))).toBe(5); // ...and there
});

it("keeps a subscription made while the bus's connection to Redis is still being set up", async () => {
  const outages: string[] = [];
  const parts = clusterParts({ redisUrl: redis.url, heartbeatMs: 1000 }, async () => true, {
    down: (err) => outages.push(err.message),
    up: () => {},
  });
  try {
    const heard: string[] = [];
    const subscribed = new Promise<void>((resolve) =>
      // The moment the socket connects, as aedes subscribing during a node's start can hit it.
      (parts.mq as unknown as { subConn: Redis }).subConn.once('connect', () =>
        parts.mq.on(
          'fm/setup/#',
          (m: { topic: string }, done: () => void) => {
            heard.push(m.topic);
            done();
          },
          () => resolve(),
        ),
      ),
    );
    await subscribed;
    await sleep(500); // ioredis's ready check would have failed on it by now
    parts.mq.emit({ topic: 'fm/setup/1', payload: Buffer.from('x') } as never);
    await until(() => heard.length > 0).catch(() => {});
    expect({ outages, heard }).toEqual({ outages: [], heard: ['fm/setup/1'] });
  } finally {
    await new Promise((r) => parts.mq.close(r as () => void));
    await parts.close();
  }
});
