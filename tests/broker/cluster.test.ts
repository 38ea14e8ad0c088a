/**
 * Two broker nodes, each a `facility start --only broker` process, clustered on a real Redis and
 * sharing the registry in a real PostgreSQL. What a node's death
 * must not lose (retained statuses, a QoS 1 persistent session, the wills of its devices) is
 * checked after SIGKILL; what must hold on every node (one session per client id, revocation)
 * while both run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecords, type Records } from '../../src/records/index.ts';
import { type RunningServer, startPostgres, startRedis, tempDir } from '../support/servers.ts';
import { collect, type Received, SECRET, sleep, until } from './support.ts';

const SERVICE_SECRET = 'service-secret-for-cluster-0123456789';
const SITE = 'estate-k';
const cleanup: (() => unknown)[] = [];

interface Node {
  child: ChildProcess;
  port: number;
  /** Everything the node has written, stdout (JSON log lines) and stderr. */
  output(): string;
}

/** A broker node as operators run one: the CLI, with only the broker, on the shared Redis. */
function startNode(env: Record<string, string>): Promise<Node> {
  const dataDir = tempDir('cluster-node');
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['bin/facility.js', 'start', '--only', 'broker'], {
    env: {
      ...process.env,
      ...env,
      FM_DATA_DIR: dataDir,
      FM_MQTT_PORT: '0',
      FM_MQTT_WS_PORT: '0',
      FM_DEMO: 'false',
      FM_LOG_FORMAT: 'json',
      FM_LOG_LEVEL: process.env.FM_TEST_LOG ?? 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stderr!.on('data', (b: Buffer) => {
    out += b.toString();
    process.stderr.write(b);
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const port = /MQTT \(TCP\)\s+mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
      if (port) resolve({ child, port: Number(port), output: () => out });
    });
    child.once('exit', (code) => reject(new Error(`broker node exited with ${code} before listening`)));
  });
}

/**
 * `into` collects the client's messages from its first packet on: mqtt.js emits a message that
 * arrives in the same read as the CONNACK (a resuming session's queue) before anything awaiting the
 * connection can listen.
 */
function connectTo(port: number, options: IClientOptions, into?: Received[]): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    if (into) collect(client, into);
    cleanup.push(() => client.end(true));
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}
const deviceOn = (port: number, id: string, extra: IClientOptions = {}) =>
  connectTo(port, { clientId: id, username: id, password: SECRET, ...extra });
const serviceOn = (port: number, name: string, extra: IClientOptions = {}, into?: Received[]) =>
  connectTo(
    port,
    { clientId: `service.${name}`, username: `service.${name}`, password: SERVICE_SECRET, ...extra },
    into,
  );
const topic = (id: string, channel: string) => `fm/${SITE}/lift/${id}/${channel}`;
const closed = (c: MqttClient) =>
  new Promise<void>((r) => (c.disconnected ? r() : c.once('close', () => r())));

let redis: RunningServer & { url: string };
let pg: RunningServer & { url: string };
let records: Records;
let a: Node;
let b: Node;

beforeAll(async () => {
  [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  cleanup.push(
    () => redis.stop(),
    () => pg.stop(),
  );
  const recordsDir = tempDir('cluster-records');
  cleanup.push(() => rmSync(recordsDir, { recursive: true, force: true }));
  // Migrated here, once, before the nodes open it.
  records = await openRecords({ databaseUrl: pg.url, dataDir: recordsDir, log: pino({ level: 'silent' }) });
  cleanup.push(() => records.close());
  await records.addSite({ id: SITE, name: 'Estate K' });
  for (const id of ['lift-t', 'lift-r', 'lift-s', 'lift-w', 'lift-x', 'lift-e', 'lift-m'])
    await records.addDevice({ id, site: SITE, kind: 'lift', secret: SECRET });
  const env = {
    DATABASE_URL: pg.url,
    FM_REDIS_URL: redis.url,
    FM_BROKER_HEARTBEAT_S: '1',
    FM_SERVICE_SECRET: SERVICE_SECRET,
  };
  [a, b] = await Promise.all([startNode(env), startNode(env)]);
}, 120_000);

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

describe('two broker nodes on Redis', () => {
  it('ends the old session of a client id taken over on the other node', async () => {
    const first = await deviceOn(a.port, 'lift-t');
    const gone = closed(first);
    const second = await deviceOn(b.port, 'lift-t');
    await gone;
    await sleep(500);
    expect(second.connected).toBe(true);
    await second.endAsync();
  });

  it('ends a revoked device session and refuses it on both nodes', async () => {
    const live = await deviceOn(b.port, 'lift-r');
    const gone = closed(live);
    await records.revokeDevice('lift-r');
    await gone; // within the session check (2 s)
    for (const port of [a.port, b.port])
      await expect(deviceOn(port, 'lift-r')).rejects.toMatchObject({ code: 5 }); // not authorized
  });
});

describe("node A's death (SIGKILL)", () => {
  it('keeps retained statuses and a QoS 1 persistent session, and sends the wills of its devices', async () => {
    // On node A: a retained status, a device with a will, and a service on a persistent session.
    const s = await deviceOn(a.port, 'lift-s');
    await s.publishAsync(topic('lift-s', 'status'), 'online', { qos: 1, retain: true });
    const w = await deviceOn(a.port, 'lift-w', {
      will: { topic: topic('lift-w', 'status'), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    // A will naming another device's topic: a survivor must not send it on lift-x's behalf.
    await deviceOn(a.port, 'lift-x', {
      will: { topic: topic('lift-s', 'status'), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    // A device that moves: on A now, back on B right after A's death.
    const willOf = (id: string) => ({
      will: { topic: topic(id, 'status'), payload: Buffer.from('offline'), qos: 1 as const, retain: true },
    });
    await deviceOn(a.port, 'lift-m', willOf('lift-m'));
    const keeper = await serviceOn(a.port, 'keeper', { clean: false });
    await keeper.subscribeAsync(`fm/${SITE}/+/+/event`, { qos: 1 });
    // On node B: a service watching statuses.
    const watcher = await serviceOn(b.port, 'watcher');
    const statuses = collect(watcher);
    await watcher.subscribeAsync(`fm/${SITE}/+/+/status`, { qos: 1 });
    await until(() => statuses.some((m) => m.topic === topic('lift-s', 'status'))); // the retained one
    // The watcher has a run of node A's message numbers: B sends A's wills under A's id, and a will
    // numbered like one of these was taken by the watcher for a copy, and dropped (dedupe.ts).
    const REPORTS = 400;
    for (let n = 0; n < REPORTS; n++)
      await w.publishAsync(topic('lift-w', 'status'), 'online', { qos: 1, retain: true });
    await until(() => statuses.filter((m) => m.topic === topic('lift-w', 'status')).length === REPORTS);

    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    // lift-m reconnects on B (as a balancer places it) before B takes A for dead.
    const moved = await deviceOn(b.port, 'lift-m', willOf('lift-m'));
    await moved.publishAsync(topic('lift-m', 'status'), 'online', { qos: 1, retain: true });

    // Published on B while the keeper's node is dead and the keeper away.
    const e = await deviceOn(b.port, 'lift-e');
    for (let seq = 1; seq <= 3; seq++)
      await e.publishAsync(
        topic('lift-e', 'event'),
        JSON.stringify({ ts: Date.now(), seq, event: 'door_open_failure' }),
        { qos: 1 },
      );

    // At once: a message that reaches B while it restores the keeper's session must still follow
    // the CONNACK [MQTT-3.2.0-1] (src/broker/connack-first.ts).
    // The keeper comes back on node B (where a balancer would place it with A gone): it subscribes
    // to nothing, so the events below can only come from its session in Redis.
    const events: Received[] = [];
    await serviceOn(b.port, 'keeper', { clean: false }, events);
    await until(() => events.length >= 3, 10_000);
    expect(events.map((m) => JSON.parse(m.payload).seq)).toEqual([1, 2, 3]);

    // A newcomer on B still gets the status retained through node A.
    const newcomer = await serviceOn(b.port, 'newcomer');
    const retained = collect(newcomer);
    await newcomer.subscribeAsync(topic('lift-s', 'status'), { qos: 1 });
    await until(() => retained.length >= 1);
    expect(retained[0]!.payload).toBe('online');

    // Node B takes A for dead after 3 silent heartbeats and sends its wills within 4 more.
    await until(
      () => statuses.some((m) => m.topic === topic('lift-w', 'status') && m.payload === 'offline'),
      15_000,
    );
    await sleep(1500);
    expect(statuses.filter((m) => m.topic === topic('lift-s', 'status')).map((m) => m.payload)).toEqual([
      'online',
    ]);
    // A's will for lift-m is stale: lift-m is connected to B. Sent, it would leave `offline`
    // retained for a device that is online, and the rules would hold it offline.
    expect(statuses.filter((m) => m.topic === topic('lift-m', 'status')).map((m) => m.payload)).toEqual([
      'online',
    ]);
    expect(moved.connected).toBe(true);
  }, 60_000);
});

describe("Redis's loss", () => {
  it('leaves a node running while Redis is away', async () => {
    const before = b.output().length;
    await redis.stop();
    await sleep(3000); // ioredis retries meanwhile, each attempt an error on every connection
    expect(b.child.exitCode).toBeNull();
    expect(b.child.signalCode).toBeNull();
    // One log line for the outage, not one per retry, and no connection left unheard.
    const during = b.output().slice(before);
    expect(during.match(/lost the cluster's Redis/g)).toHaveLength(1);
    expect(during).not.toContain('Unhandled error event');
  });
});
