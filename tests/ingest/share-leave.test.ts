/**
 * An ingest copy that stops leaves its shared group (src/ingest/mqtt-source.ts): mosquitto 2.0
 * keeps giving a member of a group its turns while it is away, queued in its persistent session,
 * so without leaving, a copy stopped for good would hold back its share of every later reading.
 * Checked against Debian's mosquitto 2.0.11 with mqtt.js as an MQTT 3.1.1 client.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Delivery, type MessageSource, startMqttSource } from '../../src/ingest/mqtt-source.ts';
import { createLogger } from '../../src/log.ts';
import { type RunningServer, startMosquitto } from '../support/servers.ts';
import { connectPublisher, waitFor } from './support.ts';

const log = createLogger({ level: 'silent', format: 'json' });
let mosquitto: RunningServer;
beforeAll(async () => {
  mosquitto = await startMosquitto();
});
afterAll(() => mosquitto?.stop());

/** A copy that acknowledges every message at once and keeps their payloads. */
function copy(name: string, seen: string[]): Promise<MessageSource> {
  const options = {
    url: `mqtt://127.0.0.1:${mosquitto.port}`,
    username: 'service.ingest',
    password: 'secret',
    clientId: `service.ingest-${name}`,
    shareGroup: 'leave',
  };
  const onMessage = (d: Delivery) => {
    seen.push(d.payload.toString());
    d.ack();
  };
  return startMqttSource(options, log, { onMessage, backpressure: () => undefined });
}

it('stops taking turns in the group once stopped; the other copy gets every later reading', {
  timeout: 30_000,
}, async () => {
  const x: string[] = [];
  const y: string[] = [];
  let first = await copy('x', x);
  const second = await copy('y', y);
  const publisher = await connectPublisher(`mqtt://127.0.0.1:${mosquitto.port}`);
  const publish = async (from: number, n: number) => {
    for (let i = from; i < from + n; i++)
      await publisher.publishAsync(`fm/s/lift/l${i % 5}/telemetry`, `${i}`, { qos: 1 });
  };

  await publish(0, 20);
  await waitFor('20 deliveries', () => x.length + y.length === 20, 5000);
  // Shared, not copied: mosquitto hands the group's messages round robin.
  expect(x.length).toBe(10);
  expect(y.length).toBe(10);

  await first.pause();
  await first.stop();
  await publish(20, 20);
  await waitFor('20 more to y', () => y.length === 30, 5000);

  // Started again, x finds nothing queued for it in its session: it left the group at its stop.
  first = await copy('x', x);
  await new Promise((r) => setTimeout(r, 1000));
  expect(x).toHaveLength(10);
  // And takes its turns again.
  await publish(40, 20);
  await waitFor('20 more to both', () => x.length + y.length === 60, 5000);
  expect(x.length).toBe(20);
  await first.stop();
  await second.stop();
  await publisher.endAsync();
});
