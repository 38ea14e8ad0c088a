/**
 * bench/notify: the notification sender. Loopback only, bounded.
 *
 * 1. Throughput: N notifications committed to the outbox at once, drained to a signed local
 *    webhook that answers 1% of requests with 500; over one receiver (one queue, strictly in
 *    order) and over 16 (16 queues side by side). Zero lost and zero repeats are checked by key.
 * 2. Fault to notification: a CCTV intrusion published over MQTT (QoS 1) to the webhook receiving
 *    the guard's notification, p50/p99, under background telemetry (default 10,000 readings/s).
 *
 *   node bin/run-ts.js bench/notify.ts [--n 5000] [--rate 10000] [--seconds 15] [--devices 2000]
 *   DATABASE_URL=postgres://... for PostgreSQL instead of embedded PGlite.
 */
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import type { NotifyOptions } from '../src/notify/config.ts';
import { OutboxSender } from '../src/notify/sender.ts';
import { createOutboxHook } from '../src/notify/stage.ts';
import { encode } from '../src/protocol/index.ts';
import { openServiceDesk } from '../src/records/service/index.ts';
import { DEFAULT_RULE_FILE, rulesOptions, startRules } from '../src/rules/index.ts';
import { openTestApi } from '../tests/api/support.ts';
import { telemetry } from '../tests/ingest/support.ts';
import { SECRETS, startReceivers } from '../tests/notify/receivers.ts';
import { PUBLISHER, RULES_USER, SECRET, silent, startBroker } from '../tests/rules/support.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '5000' },
    rate: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '15' },
    devices: { type: 'string', default: '2000' },
  },
});
const N = Number(values.n);
const RATE = Number(values.rate);
const SITE = 'bench';
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;

const receivers = await startReceivers();
const api = await openTestApi({ databaseUrl: process.env.DATABASE_URL });
Object.defineProperty(api.clock, 't', { get: () => Date.now() });
const db = api.records.db;
await api.records.addSite({ id: SITE, name: 'Bench estate' });

const options = (hooks: number): NotifyOptions => ({
  receivers: Object.fromEntries(
    Array.from({ length: hooks }, (_, i) => [
      `hook-${i}`,
      {
        type: 'webhook',
        url: `${receivers.url}/webhook/${i}`,
        secret: SECRETS.webhook,
        sites: [],
        trades: [],
      },
    ]),
  ),
  retryMinMs: 50,
  retryMaxMs: 1000,
  maxAttempts: 100,
  deadAfter: 50,
});

// 1. Throughput with 1% errors.
receivers.errorRate = 0.01;
for (const hooks of [1, 16]) {
  const o = options(hooks);
  const hook = createOutboxHook(o, 'en');
  receivers.received.length = 0;
  const [{ first }] = (await db.query<{ first: number }>(
    'SELECT COALESCE(max(id), 0)::int AS first FROM notify_outbox',
  )) as [{ first: number }];
  // Committed in batches of 500 notices (one transaction each), as a burst of desk changes would.
  // Every receiver hears every notice: N / hooks notices make N rows.
  const noticeCount = Math.ceil(N / hooks);
  for (let i = 0; i < noticeCount; i += 500) {
    const notices = Array.from({ length: Math.min(500, noticeCount - i) }, (_, j) => ({
      event: 'dispatch' as const,
      subject: 'record' as const,
      subjectId: i + j + 1,
      site: SITE,
      trade: 'engineering',
      emergency: false,
      to: [],
      title: `bench ${i + j}`,
      location: null,
    }));
    await db.transaction((tx) => hook(tx, notices, new Date()));
  }
  const sender = new OutboxSender({ db, log: silent, options: o, batch: 64 });
  const t0 = performance.now();
  for (;;) {
    await sender.tick();
    const [{ left }] = (await db.query<{ left: number }>(
      `SELECT count(*)::int AS left FROM notify_outbox WHERE id > $1 AND state <> 'sent'`,
      [first],
    )) as [{ left: number }];
    if (left === 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const s = (performance.now() - t0) / 1000;
  await sender.stop();
  const rows = noticeCount * hooks;
  const keys = receivers.received.map((r) => r.key);
  const failed = (
    await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notify_attempts a JOIN notify_outbox o ON o.id = a.outbox_id WHERE o.id > $1 AND NOT a.ok`,
      [first],
    )
  )[0]!.n;
  console.log(
    `throughput, ${hooks} receiver(s): ${rows} notifications in ${s.toFixed(1)} s = ${Math.round(rows / s)}/s; ` +
      `${failed} attempts answered 500 and retried; delivered ${new Set(keys).size}/${rows}, repeats ${keys.length - new Set(keys).size}`,
  );
}
receivers.errorRate = 0;

// 2. Fault to notification under background telemetry.
const o = options(1);
const desk = openServiceDesk({ db, log: silent, lang: 'en', outbox: createOutboxHook(o, 'en') });
const sender = new OutboxSender({ db, log: silent, options: o });
sender.start(1000);
desk.onChange(() => sender.wake());
await desk.addStaff({ id: 'guard-1', name: 'Guard', roles: ['guard'], trades: ['security'] });
await desk.addShift({ site: SITE, staffId: 'guard-1', trade: 'security', starts: '00:00', ends: '00:00' });
const background = Array.from({ length: Number(values.devices) }, (_, i) => ({
  site: SITE,
  kind: 'pump' as const,
  deviceId: `bg-${i}`,
}));
const probes = Array.from({ length: 1000 }, (_, i) => `probe-${i}`);
await api.records.addDevices([
  ...background.map((d) => ({
    id: d.deviceId,
    site: SITE,
    kind: 'pump' as const,
    intervalS: 3600,
    secret: SECRET,
  })),
  ...probes.map((id) => ({ id, site: SITE, kind: 'cctv' as const, intervalS: 3600, secret: SECRET })),
]);
const broker = await startBroker();
const rules = await startRules({
  options: rulesOptions({ ruleFiles: [DEFAULT_RULE_FILE], lang: 'en', tickMs: 1000, refreshMs: 0 }),
  log: silent,
  now: Date.now,
  records: api.records,
  desk,
  mqtt: { url: broker.url, username: RULES_USER, password: SECRET, clientId: 'service.rules-bench' },
});
const publishers: MqttClient[] = await Promise.all(
  Array.from({ length: 4 }, (_, i) =>
    mqtt.connectAsync(broker.url, { username: PUBLISHER, password: SECRET, clientId: `bench-pub-${i}` }),
  ),
);
receivers.received.length = 0;
let seq = 0;
const bg = setInterval(() => {
  const n = Math.round(RATE / 100);
  for (let i = 0; i < n; i++) {
    const d = background[(seq + i) % background.length]!;
    const m = telemetry(d, seq + i, Date.now());
    publishers[i % publishers.length]!.publish(
      m.topic,
      m.payload.replace('"tank_level_m":3', '"tank_level_m":2.6'),
      {
        qos: 0,
      },
    );
  }
  seq += n;
}, 10);
const latencies: number[] = [];
const before = rules.counters().messages ?? 0;
const started = Date.now();
let lost = 0;
for (let p = 0; Date.now() - started < Number(values.seconds) * 1000; p++) {
  const id = probes[p % probes.length]!;
  const e = encode({ site: SITE, kind: 'cctv', deviceId: id }, 'event', {
    ts: Date.now(),
    seq: p,
    code: 'intrusion',
  });
  const t0 = performance.now();
  await publishers[0]!.publishAsync(e.topic, e.payload, { qos: 1 });
  const heard = () =>
    receivers.received.some((r) => r.body.subject === 'alert' && JSON.stringify(r.body).includes(id));
  while (!heard() && performance.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 1));
  if (heard()) latencies.push(performance.now() - t0);
  else lost++;
  await new Promise((r) => setTimeout(r, 100));
}
clearInterval(bg);
const achieved = Math.round(((rules.counters().messages ?? 0) - before) / ((Date.now() - started) / 1000));
console.log(
  `fault to webhook under ${RATE}/s background (rules received ${achieved}/s): p50 ${pct(latencies, 50).toFixed(1)} ms, ` +
    `p99 ${pct(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms over ${latencies.length} faults, ${lost} not heard in 10 s (engine: ${db.engine})`,
);
await Promise.all(publishers.map((p) => p.endAsync()));
await rules.stop();
await sender.stop();
await desk.stop();
await api.close();
await broker.stop();
await receivers.close();
