/**
 * Pins the mqtt.js behaviour ingest's lossless acknowledgement relies on (see mqtt-source.ts): with
 * MQTT 3.1.1 a QoS 1 message is acknowledged only when ingest calls ack(), and one that was not is
 * delivered again on the next connection of the persistent session.
 */
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { ingestOptions, startIngest } from '../../src/ingest/index.ts';
import { type Delivery, startMqttSource } from '../../src/ingest/mqtt-source.ts';
import { createLogger } from '../../src/log.ts';
import { type RunningServer, startMosquitto, tempDir } from '../support/servers.ts';
import { connectPublisher, telemetry, waitFor } from './support.ts';

const log = createLogger({ level: (process.env.FM_TEST_LOG as 'info') ?? 'silent', format: 'json' });
let mosquitto: RunningServer;
beforeAll(async () => {
  mosquitto = await startMosquitto();
});
afterAll(() => mosquitto?.stop());

it('acknowledges only on ack(); the broker redelivers the rest after a reconnect', async () => {
  const url = `mqtt://127.0.0.1:${mosquitto.port}`;
  const mqttOptions = { url, username: 'service.ingest', password: 'secret', clientId: 'service.ingest-pin' };
  const seen: Delivery[] = [];
  const handlers = { onMessage: (d: Delivery) => seen.push(d), backpressure: () => undefined };
  const first = await startMqttSource(mqttOptions, log, handlers);
  const publisher = await connectPublisher(url);
  for (let i = 0; i < 10; i++)
    await publisher.publishAsync(`fm/s/lift/l${i}/telemetry`, `{"i":${i}}`, { qos: 1 });
  await waitFor('10 deliveries', () => seen.length === 10, 5000);
  // Acknowledge the even ones only, then leave without acknowledging the odd ones.
  for (const d of seen.filter((_, i) => i % 2 === 0)) d.ack();
  await new Promise((r) => setTimeout(r, 200));
  await first.stop();

  seen.length = 0;
  const second = await startMqttSource(mqttOptions, log, handlers);
  await waitFor('redeliveries', () => seen.length >= 5, 5000);
  await new Promise((r) => setTimeout(r, 300));
  expect(seen.map((d) => d.payload.toString())).toEqual([1, 3, 5, 7, 9].map((i) => `{"i":${i}}`));
  expect(seen.every((d) => d.dup)).toBe(true);
  for (const d of seen) d.ack();
  await new Promise((r) => setTimeout(r, 200));
  await second.stop();
  await publisher.endAsync();
});

it('without InfluxDB: says once that only the last hour is kept, still consumes and counts', async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const url = `mqtt://127.0.0.1:${mosquitto.port}`;
  const dataDir = tempDir('ingest-none');
  const ingest = await startIngest({
    options: ingestOptions({ dataDir }),
    mqtt: { url, username: 'service.ingest', password: 'secret', clientId: 'service.ingest-none' },
    log: createLogger({ level: 'warn', format: 'json', stream }),
  });
  const publisher = await connectPublisher(url);
  const d = { site: 's1', kind: 'lift' as const, deviceId: 'lift-1' };
  for (let seq = 0; seq < 20; seq++) {
    const m = telemetry(d, seq, Date.now() - 1000);
    await publisher.publishAsync(m.topic, m.payload, { qos: 1 });
  }
  await waitFor('20 readings', () => ingest.counters().notStored === 20, 5000);
  expect(ingest.counters()).toMatchObject({ readingsIn: 20, influx: 'unconfigured', written: 0 });
  await ingest.stop();
  await publisher.endAsync();
  rmSync(dataDir, { recursive: true, force: true });
  const warnings = lines.filter((l) => l.includes('THE LAST HOUR is kept, in memory'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('FM_INFLUX_URL');
});

it('subscribes again when a restarted broker says the session is present but lost its shared subscriptions', async () => {
  // mosquitto 2.0.11 restarted from its persistence (after SIGKILL, saved at every change) answers
  // sessionPresent for an ingest copy's session, yet the copy's `$share/` subscriptions are gone:
  // mqtt.js does not subscribe again for a present session, and every reading went unheard.
  const store = tempDir('mosquitto-store');
  if (process.getuid?.() === 0) {
    const { execFileSync } = await import('node:child_process');
    const { chownSync } = await import('node:fs');
    const id = (flag: string) => Number(execFileSync('id', [flag, 'mosquitto']).toString());
    chownSync(store, id('-u'), id('-g'));
  }
  const config = [
    'persistence true',
    `persistence_location ${store}/`,
    'autosave_interval 1',
    'autosave_on_changes true',
  ];
  let broker = await startMosquitto(config);
  // Stopped whatever the outcome: each start is a mosquitto of its own.
  onTestFinished(async () => {
    await broker.stop();
    rmSync(store, { recursive: true, force: true });
  });
  const port = broker.port;
  const url = `mqtt://127.0.0.1:${port}`;
  const seen: Delivery[] = [];
  let ups = 0;
  const source = await startMqttSource(
    {
      url,
      username: 'service.ingest',
      password: 'secret',
      clientId: 'service.ingest-restart',
      shareGroup: 'ingest',
    },
    log,
    {
      onMessage: (d: Delivery) => {
        seen.push(d);
        d.ack();
      },
      backpressure: () => undefined,
      onConnectionChange: (up) => {
        if (up) ups++;
      },
    },
  );
  await new Promise((r) => setTimeout(r, 1500)); // saved
  process.kill(broker.pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  const dead = broker;
  broker = await startMosquitto(config, port);
  await waitFor('the session back', () => ups >= 2, 10_000);
  await new Promise((r) => setTimeout(r, 500));
  const publisher = await connectPublisher(url);
  await publisher.publishAsync('fm/s/lift/l1/telemetry', '{"after":"restart"}', { qos: 1 });
  await waitFor('the reading after the restart', () => seen.length >= 1, 5000);
  expect(seen.map((d) => d.payload.toString())).toEqual(['{"after":"restart"}']);
  await publisher.endAsync();
  await source.stop();
  rmSync(dead.dir, { recursive: true, force: true });
});
