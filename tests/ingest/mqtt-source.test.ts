/**
 * Pins the mqtt.js behaviour ingest's lossless acknowledgement relies on (see mqtt-source.ts): with
 * MQTT 3.1.1 a QoS 1 message is acknowledged only when ingest calls ack(), and one that was not is
 * delivered again on the next connection of the persistent session.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Delivery, startMqttSource } from '../../src/ingest/mqtt-source.ts';
import { createLogger } from '../../src/log.ts';
import { type RunningServer, startMosquitto } from '../support/servers.ts';
import { connectPublisher, waitFor } from './support.ts';

const log = createLogger({ level: 'silent', format: 'json' });
let mosquitto: RunningServer;
beforeAll(async () => {
  mosquitto = await startMosquitto();
});
afterAll(() => mosquitto?.stop());

it('acknowledges only on ack(); the broker redelivers the rest after a reconnect', async () => {
  const url = `mqtt://127.0.0.1:${mosquitto.port}`;
  const mqttOptions = { url, username: 'service:ingest', password: 'secret', clientId: 'service:ingest-pin' };
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
