/**
 * bench/rules: fault-to-record latency, from the device's publish to the record visible through
 * the API (GET /records?deviceId=), while a fleet publishes background telemetry at a set rate.
 * Loopback only (mosquitto on 127.0.0.1, the API by inject), bounded: each rate runs a fixed time.
 *
 *   node bin/run-ts.js bench/rules.ts [--rates 1000,5000,10000,20000] [--seconds 15] [--devices 2000]
 *   DATABASE_URL=postgres://... for PostgreSQL instead of embedded PGlite.
 */
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { encode } from '../src/protocol/index.ts';
import { DEFAULT_RULE_FILE, rulesOptions, startRules } from '../src/rules/index.ts';
import { openTestApi } from '../tests/api/support.ts';
import { telemetry } from '../tests/ingest/support.ts';
import { PUBLISHER, RULES_USER, SECRET, silent, startBroker } from '../tests/rules/support.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '1000,5000,10000,20000' },
    seconds: { type: 'string', default: '15' },
    devices: { type: 'string', default: '2000' },
  },
});
const rates = values.rates.split(',').map(Number);
const seconds = Number(values.seconds);
const SITE = 'bench';
const background = Array.from({ length: Number(values.devices) }, (_, i) => ({
  site: SITE,
  kind: 'pump' as const,
  deviceId: `bg-${i}`,
}));

const broker = await startBroker();
const api = await openTestApi({ databaseUrl: process.env.DATABASE_URL });
Object.defineProperty(api.clock, 't', { get: () => Date.now() });
const token = await api.token(['front_desk']);
await api.records.addSite({ id: SITE, name: 'Bench estate' });
const probes = Array.from({ length: 2000 }, (_, i) => `probe-${i}`);
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
const rules = await startRules({
  options: rulesOptions({ ruleFiles: [DEFAULT_RULE_FILE], lang: 'en', tickMs: 1000, refreshMs: 0 }),
  log: silent,
  now: Date.now,
  records: api.records,
  desk: api.desk!,
  mqtt: { url: broker.url, username: RULES_USER, password: SECRET, clientId: 'service.rules-bench' },
});
const publishers: MqttClient[] = await Promise.all(
  Array.from({ length: 4 }, (_, i) =>
    mqtt.connectAsync(broker.url, { username: PUBLISHER, password: SECRET, clientId: `bench-pub-${i}` }),
  ),
);

const pct = (xs: number[], p: number) =>
  xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
let probe = 0;
const results: { rate: number; achieved: number; p50: number; p99: number; max: number; n: number }[] = [];

for (const rate of rates) {
  let seq = 0;
  let stop = false;
  const before = rules.counters().messages ?? 0;
  const started = Date.now();
  // Background: every 10 ms, rate/100 readings spread over the publishers (QoS 0, as devices send telemetry).
  const bg = setInterval(() => {
    const n = Math.round(rate / 100);
    for (let i = 0; i < n; i++) {
      const d = background[(seq + i) % background.length]!;
      const m = telemetry(d, seq + i, Date.now());
      // A healthy pump room: the ingest fixture's full tank (3 m) would be a tank_level_high fault.
      const payload = m.payload.replace('"tank_level_m":3', '"tank_level_m":2.6');
      publishers[i % publishers.length]!.publish(m.topic, payload, { qos: 0 });
    }
    seq += n;
  }, 10);
  const latencies: number[] = [];
  const probing = (async () => {
    while (!stop) {
      const id = probes[probe++ % probes.length]!;
      const e = encode({ site: SITE, kind: 'cctv', deviceId: id }, 'event', {
        ts: Date.now(),
        seq: probe,
        code: 'intrusion',
      });
      const t0 = performance.now();
      await publishers[0]!.publishAsync(e.topic, e.payload, { qos: 1 });
      for (;;) {
        const res = await api.call(token, 'GET', `/records?deviceId=${id}&limit=1`);
        if (res.json().items?.length > 0) break;
        if (performance.now() - t0 > 10_000)
          throw new Error(
            `no record for ${id} after 10 s: ${res.statusCode} ${res.body.slice(0, 300)} ${JSON.stringify(rules.counters())}`,
          );
        await new Promise((r) => setTimeout(r, 2));
      }
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stop = true;
  clearInterval(bg);
  await probing;
  const achieved = Math.round(((rules.counters().messages ?? 0) - before) / ((Date.now() - started) / 1000));
  const r = {
    rate,
    achieved,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    max: Math.max(...latencies),
    n: latencies.length,
  };
  results.push(r);
  console.log(
    `background ${rate}/s (rules received ${achieved}/s): fault-to-record p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms over ${r.n} faults`,
  );
  await new Promise((r2) => setTimeout(r2, 2000)); // let the queue drain between rates
}
const ok = results.filter((r) => r.p99 < 1000).map((r) => r.rate);
console.log(
  `highest background rate with p99 < 1 s: ${ok.length ? Math.max(...ok) : 'none'} readings/s (engine: ${api.records.db.engine})`,
);
console.log(JSON.stringify(rules.counters()));
await Promise.all(publishers.map((p) => p.endAsync()));
await rules.stop();
await api.close();
await broker.stop();
