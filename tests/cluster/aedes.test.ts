/**
 * The cluster test of issue 17 on clustered aedes: two broker nodes on Redis, each with its ingest
 * (`--only broker,ingest`, the layout docs/deploy.md gives), two rules workers sharing the sites by
 * leases, two API replicas, PostgreSQL and InfluxDB, every one a `facility start --only` process.
 * Four sites of simulated devices, two placed first on each node, run scenarios/all-faults.json
 * while a broker node, a rules worker and the API replica running the SLA clock are SIGKILLed and
 * started again, one after another. Then: every reading acknowledged at QoS 1 is in InfluxDB (but
 * those node B acknowledged in the moment before its death, below), every fault is exactly one
 * record, the surviving replica's stream showed every change, and no breach fired twice.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openRecords, type Records } from '../../src/records/index.ts';
import type { Fleet, SimDevice } from '../../src/simulators/index.ts';
import { type RunningInfluxd, startInfluxd } from '../support/influxd.ts';
import { freePort, type RunningServer, startPostgres, startRedis, tempDir } from '../support/servers.ts';
import {
  type AckedReading,
  clockHolder,
  deviceRecords,
  expectedRecords,
  expectOneRecordPerFault,
  expectStreamedOnce,
  killRulesWorker,
  missingReadings,
  openStream,
  provisionSite,
  runSite,
  Service,
  scenarioWallMs,
  shortDeadlines,
  until,
} from './support.ts';

const RULES_FILE = fileURLToPath(new URL('./fast-rules.json', import.meta.url));
/** Rendezvous hashing gives rules-a kb and kc, rules-b ka and ke; ka and kb start on node A. */
const SITES = ['ka', 'kb', 'kc', 'ke'];
const LOOPBACK = '127.0.0.1';

let pg: RunningServer & { url: string };
let redis: RunningServer & { url: string };
let influxd: RunningInfluxd;
let records: Records;
const services: Service[] = [];
const fleets: Fleet[] = [];
const siteDevices = new Map<string, SimDevice[]>();
const dirs: string[] = [];
const streams: { close(): void }[] = [];

beforeAll(async () => {
  [pg, redis, influxd] = await Promise.all([startPostgres(), startRedis(), startInfluxd()]);
  const dir = tempDir('cluster-test');
  dirs.push(dir);
  // Migrated here, once, before the services open it.
  records = await openRecords({ databaseUrl: pg.url, dataDir: dir, log: pino({ level: 'silent' }) });
  for (const site of SITES) siteDevices.set(site, await provisionSite(records, site));
}, 90_000);

afterAll(async () => {
  await Promise.all(fleets.map((f) => f.stop()));
  for (const s of streams) s.close();
  await Promise.all(services.map((s) => s.kill()));
  dirs.push(...services.map((s) => s.dataDir));
  await records?.close();
  await Promise.all([pg?.stop(), redis?.stop(), influxd?.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const t0 = Date.now();
/** Progress, with FM_TEST_LOG set: where a slow run spent its time. */
const say = (m: string) => {
  if (process.env.FM_TEST_LOG) console.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${m}`);
};

it('loses no reading, opens one record per fault, streams every change and breaches once, through SIGKILLs', async () => {
  const [tcpA, wsA, tcpB, wsB, apiA, apiB] = (await Promise.all(Array.from({ length: 6 }, freePort))) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const common = { DATABASE_URL: pg.url };
  const node = (name: string, tcp: number, ws: number) =>
    new Service(name, 'broker,ingest', {
      ...common,
      FM_REDIS_URL: redis.url,
      FM_BROKER_HEARTBEAT_S: '1',
      FM_MQTT_PORT: String(tcp),
      FM_MQTT_WS_PORT: String(ws),
      FM_INFLUX_URL: influxd.url,
      FM_INFLUX_MODE: 'v1',
      FM_INFLUX_DATABASE: influxd.database,
      FM_INGEST_RETRY_MAX_MS: '1000',
    });
  const rules = (id: string, tcp: number) =>
    new Service(id, 'rules', {
      ...common,
      FM_MQTT_URL: `mqtt://${LOOPBACK}:${tcp}`,
      FM_RULES_WORKER_ID: id,
      FM_RULES_LEASE_TTL_S: '2',
      FM_RULES_TICK_MS: '200',
      FM_RULES_FILES: RULES_FILE,
    });
  const replica = (name: string, port: number, tcp: number) =>
    new Service(name, 'api', {
      ...common,
      FM_MQTT_URL: `mqtt://${LOOPBACK}:${tcp}`,
      FM_API_PORT: String(port),
      FM_API_RATE_LIMIT: '0',
      FM_JOB_LEASE_TTL_S: '2',
    });
  const [nodeA, nodeB] = [node('node-a', tcpA, wsA), node('node-b', tcpB, wsB)];
  const [rulesA, rulesB] = [rules('rules-a', tcpA), rules('rules-b', tcpB)];
  const [replicaA, replicaB] = [replica('api-a', apiA, tcpA), replica('api-b', apiB, tcpB)];
  services.push(nodeA, nodeB, rulesA, rulesB, replicaA, replicaB);
  say('starting nodes');
  await Promise.all([nodeA.start(), nodeB.start()]);
  say('nodes up');
  await replicaA.start();
  await replicaB.start(); // after A, which has made the admin FM_ADMIN_TOKEN names
  const address = (port: number) => `http://${LOOPBACK}:${port}`;

  // Short deadlines, so the SLA clock breaches records while its replica is killed.
  await shortDeadlines(address(apiA), SITES);
  const live = new Map([
    [replicaA, await openStream(address(apiA))],
    [replicaB, await openStream(address(apiB))],
  ]);
  streams.push(...live.values());
  // The rules workers last, just before the devices connect: a device silent from a worker's start
  // is found heartbeat_lost two registered intervals (2 s) on, and the streams show everything.
  await Promise.all([rulesA.start(), rulesB.start()]);
  say('all up');

  const acked: AckedReading[] = [];
  const a = { host: LOOPBACK, port: tcpA };
  const b = { host: LOOPBACK, port: tcpB };
  for (const [i, site] of SITES.entries())
    fleets.push(await runSite(site, siteDevices.get(site)!, i < 2 ? [a, b] : [b, a], acked));
  const started = Date.now();
  say('fleets running');
  const at = (s: number) => new Promise((r) => setTimeout(r, Math.max(0, started + s * 1000 - Date.now())));

  // One after another: a broker node (and the ingest beside it), a rules worker, the clock's replica.
  await at(10);
  const nodeBKilled = Date.now();
  await nodeB.kill();
  say('node B killed');
  await at(13);
  await nodeB.start();
  say('node B back');
  // Between the scenario's link faults (the last ends at 48 s, the next begins at 56 s): rules A is
  // back and hearing before the next one, whose heartbeat clock it may then take over.
  await at(48);
  await killRulesWorker(records, rulesA, 'rules-b', SITES);
  say('rules A back');
  await at(60);
  const [killed, survivor] = await clockHolder(records, [replicaA, replicaB]);
  await killed.kill();
  say(`${killed.name} killed`);
  await at(63);
  await killed.start();
  say(`${killed.name} back`);

  const sites = [...siteDevices];
  const expected = sites.flatMap(([site, devices]) => expectedRecords(site, devices)).sort();
  await at(scenarioWallMs(sites[0]![1], sites[0]![0]) / 1000 + 2);
  await until(
    'every fault recorded',
    async () => (await deviceRecords(records)).length >= expected.length,
    15_000,
  ).catch(() => {});
  // Readings acknowledged until now are owed; ingest writes the latest a moment after their PUBACK.
  // But not those node B acknowledged just before its SIGKILL: aedes acknowledges a QoS 1 publish
  // as it receives it, and its ingest had not yet written or spooled them (at most the last 2 s;
  // docs/ingest.md says so for the single process, docs/deploy.md for a node). Counted apart.
  const onNodeB = new Set(SITES.slice(2).flatMap((site) => siteDevices.get(site)!.map((d) => d.deviceId)));
  const beforeDeath = (r: AckedReading) =>
    onNodeB.has(r.deviceId) && r.at > nodeBKilled - 2000 && r.at <= nodeBKilled;
  const lost = acked.filter(beforeDeath);
  const owed = acked.filter((r) => !beforeDeath(r));
  await until(
    'every acknowledged reading in InfluxDB',
    async () => (await missingReadings(influxd, owed)).length === 0,
    20_000,
  ).catch(() => {});
  await new Promise((r) => setTimeout(r, 3000)); // for anything late: a second record, a second breach
  say('checking');
  const stats = fleets.map((f) => f.stats());
  expect(stats.map((s) => s.everConnected)).toEqual(stats.map((s) => s.devices));
  expect(owed.length).toBeGreaterThan(1000);
  expect(await missingReadings(influxd, owed)).toEqual([]);
  console.log(
    `node B SIGKILLed: ${(await missingReadings(influxd, lost)).length} of ${lost.length} readings it acknowledged in its last 2 s not stored`,
  );
  await expectOneRecordPerFault(records, expected, acked, started);

  await expectStreamedOnce(records, live.get(survivor)!.events);
}, 240_000);
