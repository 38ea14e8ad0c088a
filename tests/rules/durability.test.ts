/**
 * Durability on PostgreSQL: rules SIGKILLed mid-scenario and restarted, and the records database
 * stopped for a while. Still exactly one record per fault, none lost, recoveries in order.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../../src/protocol/index.ts';
import { DEFAULT_RULE_FILE, type Rules } from '../../src/rules/index.ts';
import { type RunningServer, startPostgres, tempDir } from '../support/servers.ts';
import { startPgAgain, stopPg } from './pg-control.ts';
import {
  type EstateDevice,
  FakeClock,
  openStore,
  PUBLISHER,
  RULES_USER,
  registerEstate,
  rulesFor,
  SECRET,
  type Store,
  startBroker,
  until,
} from './support.ts';

const FAST_CLEAR = new URL('./fixtures/fast-clear.json', import.meta.url).pathname;
const KILL_SITE = 'k';
const OUT_SITE = 'o';
// No telemetry in these tests: an interval of an hour keeps heartbeat loss out of them.
const lifts = (site: string, n: number): EstateDevice[] =>
  Array.from({ length: n }, (_, i) => ({
    deviceId: `${site}-L${i}`,
    kind: 'lift',
    secret: SECRET,
    building: 'T1',
    interval_s: 3600,
  }));
const killLifts = lifts(KILL_SITE, 30);
const outLifts = lifts(OUT_SITE, 10);

let broker: RunningServer & { url: string };
let pg: RunningServer & { url: string };
let store: Store;
let pub: MqttClient;
const clock = new FakeClock(0);
clock.now = Date.now;

async function publish(site: string, id: string, seq: number, state: 'raised' | 'cleared') {
  const m = encode({ site, kind: 'lift', deviceId: id }, 'event', {
    ts: Date.now(),
    seq,
    code: 'door_lock_fault',
    state,
  });
  await pub.publishAsync(m.topic, m.payload, { qos: 1 });
}

const recordsOf = async (site: string) => (await store.desk.listRecords({ site, limit: 500 })).records;

beforeAll(async () => {
  [broker, pg] = await Promise.all([startBroker(), startPostgres()]);
  store = await openStore(clock, pg.url);
  await registerEstate(store.records, KILL_SITE, killLifts);
  await registerEstate(store.records, OUT_SITE, outLifts);
  pub = await mqtt.connectAsync(broker.url, {
    username: PUBLISHER,
    password: SECRET,
    clientId: 'durability-pub',
  });
}, 60_000);

afterAll(async () => {
  await pub?.endAsync();
  await store?.close();
  await Promise.all([broker?.stop(), pg?.stop()]);
});

function spawnRules(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/run-ts.js', 'tests/rules/fixtures/run-rules.ts'], {
    env: {
      ...process.env,
      FM_TEST_DATABASE_URL: pg.url,
      FM_TEST_DATA_DIR: tempDir('rules-kill'),
      FM_TEST_MQTT_URL: broker.url,
      FM_TEST_MQTT_USER: RULES_USER,
      FM_TEST_MQTT_PASSWORD: SECRET,
      FM_TEST_RULE_FILES: FAST_CLEAR,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`rules exited with ${code}`)));
  });
}

describe('durability', () => {
  it('SIGKILL mid-scenario and restart: every fault once, none lost, each recovery noted once', async () => {
    let child = await spawnRules();
    for (const [i, d] of killLifts.entries()) await publish(KILL_SITE, d.deviceId, i, 'raised');
    await until('a few records', async () => (await recordsOf(KILL_SITE)).length >= 5, 15_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // While rules is down the broker keeps these in its session.
    for (const [i, d] of killLifts.slice(0, 10).entries())
      await publish(KILL_SITE, d.deviceId, 100 + i, 'cleared');
    child = await spawnRules();
    try {
      await until(
        'all records and recoveries',
        async () => {
          const rs = await recordsOf(KILL_SITE);
          return rs.length >= 30 && rs.filter((r) => r.recoveredAt).length >= 10;
        },
        60_000,
      );
      await new Promise((r) => setTimeout(r, 1000)); // anything more would be a duplicate
      const rs = await recordsOf(KILL_SITE);
      expect(rs.map((r) => r.deviceId).sort()).toEqual(killLifts.map((d) => d.deviceId).sort());
      expect(rs.every((r) => r.occurrences === 1)).toBe(true);
      const recovered = rs.filter((r) => r.recoveredAt).map((r) => r.deviceId);
      expect(recovered.sort()).toEqual(
        killLifts
          .slice(0, 10)
          .map((d) => d.deviceId)
          .sort(),
      );
      for (const r of rs.filter((x) => x.recoveredAt)) {
        const notes = (await store.desk.getRecord(r.id)).history.filter((h) => h.action === 'recovered');
        expect(notes).toHaveLength(1);
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 90_000);

  it('records database stopped: faults are held in order and delivered when it is back', async () => {
    const rules: Rules = await rulesFor(broker.url, store, clock, {
      tickMs: 200,
      retryMaxMs: 1000,
      ruleFiles: [DEFAULT_RULE_FILE, FAST_CLEAR],
    });
    try {
      await stopPg(pg);
      for (const [i, d] of outLifts.entries()) await publish(OUT_SITE, d.deviceId, i, 'raised');
      for (const [i, d] of outLifts.slice(0, 5).entries())
        await publish(OUT_SITE, d.deviceId, 50 + i, 'cleared');
      // The records database stays down for 30 s, as long as the issue asks.
      await new Promise((r) => setTimeout(r, 30_000));
      expect(rules.counters().retries).toBeGreaterThan(0);
      expect(rules.counters().pending).toBeGreaterThan(0);
      await startPgAgain(pg);
      await until(
        'everything delivered',
        async () =>
          rules.counters().pending === 0 && (await recordsOf(OUT_SITE).catch(() => [])).length === 10,
        30_000,
      );
      await until(
        'recoveries',
        async () => (await recordsOf(OUT_SITE)).filter((r) => r.recoveredAt).length === 5,
        30_000,
      );
      const rs = (await recordsOf(OUT_SITE)).sort((a, b) => a.id - b.id);
      // In order: record ids follow the order the faults were published in.
      expect(rs.map((r) => r.deviceId)).toEqual(outLifts.map((d) => d.deviceId));
      expect(rs.every((r) => r.occurrences === 1)).toBe(true);
      expect(rs.filter((r) => r.recoveredAt).map((r) => r.deviceId)).toEqual(
        outLifts.slice(0, 5).map((d) => d.deviceId),
      );
    } finally {
      await rules.stop();
    }
  }, 90_000);
});
