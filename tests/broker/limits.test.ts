import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/index.ts';
import { str } from './corpus/sequences.ts';
import {
  brokerWith,
  collect,
  device,
  MemoryDirectory,
  refusalCode,
  service,
  sleep,
  until,
} from './support.ts';

describe('broker limits', () => {
  const directory = new MemoryDirectory();
  let broker: Broker;
  beforeAll(async () => {
    for (const id of ['L-1', 'L-2', 'F-1']) await directory.add(id, 'demo', 'lift');
    broker = await brokerWith(directory, { flapConnects: 4, deviceRate: 20, outboundQueueBytes: 64 * 1024 });
  });
  afterAll(() => broker.stop());

  it('bans a client id that reconnects too often, and counts it', async () => {
    for (let i = 0; i < 4; i++) await (await device(broker, 'F-1')).endAsync();
    expect(await refusalCode(device(broker, 'F-1'))).toBe(5);
    expect(await refusalCode(device(broker, 'F-1'))).toBe(5);
    expect(broker.counters().refusals['flapping-ban']).toBe(2);
    // another device is not affected
    await (await device(broker, 'L-2')).endAsync();
  });

  it('slows a device publishing above its rate instead of dropping its messages', async () => {
    const sub = await service(broker, 'rate');
    const got = collect(sub);
    await sub.subscribeAsync('fm/+/+/+/event');
    const dev = await device(broker, 'L-1');
    const started = Date.now();
    const sends = Array.from({ length: 60 }, (_, i) =>
      dev.publishAsync('fm/demo/lift/L-1/event', `{"seq":${i},"code":"alarm_button"}`, { qos: 1 }),
    );
    await Promise.all(sends);
    await until(() => got.length === 60, 10_000);
    // 40 from the burst, then 20/s: the last ones wait about a second
    expect(Date.now() - started).toBeGreaterThan(800);
    expect(broker.counters().rateDelayed).toBeGreaterThan(0);
    expect(got.map((m) => JSON.parse(m.payload).seq)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    await dev.endAsync();
    await sub.endAsync();
  });

  it('drops QoS 0 messages to a subscriber that stops reading, stays up, and survives its disconnect', async () => {
    // Its own broker, without the device rate limit, so the publishers can outrun the subscriber.
    const broker = await brokerWith(directory, { deviceRate: 1_000_000, outboundQueueBytes: 64 * 1024 });
    // A wildcard subscriber on a raw socket that never reads: the sequence that kills bare aedes.
    const stuck = new Socket();
    await new Promise<void>((resolve) => stuck.connect(broker.addresses.tcp.port, '127.0.0.1', resolve));
    const secret = Buffer.from('service-secret-for-tests-0123456789');
    const body = Buffer.concat([
      str('MQTT'),
      Buffer.from([4, 0xc2, 0, 60]),
      str('service.stuck'),
      str('service.stuck'),
      str(secret),
    ]);
    stuck.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
    const sub = Buffer.concat([Buffer.from([0, 1]), str('fm/#'), Buffer.from([0])]);
    stuck.write(Buffer.concat([Buffer.from([0x82, sub.length]), sub]));
    await sleep(200);
    stuck.pause();

    const publishers = await Promise.all(['L-1', 'L-2'].map((id) => device(broker, id)));
    const rss = process.memoryUsage().rss;
    const payload = JSON.stringify({ seq: 1, code: 'alarm_button', detail: 'x'.repeat(2000) });
    // Bounded: 4 s of QoS 0 from two devices, well above their rate (the rate limit slows them).
    const until4s = Date.now() + 4000;
    let sent = 0;
    while (Date.now() < until4s) {
      for (const p of publishers) p.publish(`fm/demo/lift/${p.options.clientId}/event`, payload, { qos: 0 });
      sent += 2;
      // yield to the event loop so the client sockets flush
      if (sent % 100 === 0) await sleep(0);
    }
    await until(() => (broker.counters().drops['slow-subscriber'] ?? 0) > 0, 10_000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024);
    stuck.destroy();
    await sleep(300);
    // still serving
    const watcher = await service(broker, 'after');
    const got = collect(watcher);
    await watcher.subscribeAsync('fm/#');
    await sleep(1500); // let the rate-limited backlog of the publishers drain
    await publishers[0]!.publishAsync('fm/demo/lift/L-1/status', '{"state":"online"}', { qos: 1 });
    await until(() => got.some((m) => m.topic.endsWith('/status')), 15_000);
    for (const p of publishers) p.end(true);
    await watcher.endAsync();
    await broker.stop();
  }, 40_000);
});
