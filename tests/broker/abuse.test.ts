import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/index.ts';
import { FrameGuard } from '../../src/broker/index.ts';
import { remainingLength, str } from './corpus/sequences.ts';
import { brokerWith, collect, device, MemoryDirectory, service, until } from './support.ts';

/** MQTT 3.1.1 CONNECT for `id` with username = id and the given password. */
function connectPacket(id: string, password: string): Buffer {
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2, 0, 30]), str(id), str(id), str(password)]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

/** Sends raw bytes and resolves when the broker closes the socket (or rejects if it stays open). */
function closedAfter(broker: Broker, chunks: Buffer[], waitMs = 3000): Promise<'closed'> {
  return new Promise((resolve, reject) => {
    const s = new Socket();
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('connection stayed open'));
    }, waitMs);
    s.on('error', () => {});
    s.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    s.connect(broker.addresses.tcp.port, '127.0.0.1', () => {
      for (const c of chunks) s.write(c);
    });
  });
}

describe('raw-socket abuse', () => {
  const directory = new MemoryDirectory();
  let broker: Broker;
  beforeAll(async () => {
    await directory.add('L-1', 'demo', 'lift');
    broker = await brokerWith(directory, { maxTopicLevels: 8 });
  });
  afterAll(() => broker.stop());

  const connect = connectPacket('L-1', 'device-secret-0123456789abcdef');
  const topic101 = Array.from({ length: 101 }, (_, i) => `l${i}`).join('/');
  const publish = (topic: string, payload: Buffer) => {
    const t = Buffer.from(topic);
    const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 0xff]), t, payload]);
    return Buffer.concat([Buffer.from([0x30]), remainingLength(body.length), body]);
  };

  it.each([
    [
      'an oversize packet',
      [connect, publish('fm/demo/lift/L-1/telemetry', Buffer.alloc(70_000, 0x20))],
      'oversize-packet',
    ],
    [
      'a remaining length of 268435456 (five length bytes)',
      [Buffer.from([0x10, 0x80, 0x80, 0x80, 0x80, 0x01])],
      'malformed-packet',
    ],
    [
      'the largest legal remaining length, far above the limit',
      [Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f])],
      'oversize-packet',
    ],
    ['garbage before CONNECT', [Buffer.from('GET / HTTP/1.1\r\n\r\n')], 'protocol-violation'],
    ['a CONNACK sent by a client', [Buffer.from([0x20, 0x02, 0x00, 0x00])], 'protocol-violation'],
    ['a second CONNECT', [connect, connect], 'protocol-violation'],
  ])('closes the connection on %s and counts it', async (_name, chunks, reason) => {
    const before = broker.counters().refusals[reason as 'oversize-packet'] ?? 0;
    expect(await closedAfter(broker, chunks)).toBe('closed');
    expect(broker.counters().refusals[reason as 'oversize-packet']).toBe(before + 1);
  });

  it('closes a connection that publishes to 101 topic levels', async () => {
    const before = broker.counters().refusals['topic-too-deep'] ?? 0;
    const dev = await device(broker, 'L-1');
    const closed = new Promise<void>((r) => dev.once('close', () => r()));
    dev.publish(topic101, '{}');
    await closed;
    dev.end(true);
    await until(() => broker.counters().refusals['topic-too-deep'] === before + 1);
  });

  it('keeps serving everyone else, with bounded memory', async () => {
    const rss = process.memoryUsage().rss;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        closedAfter(broker, [Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(60_000)]),
      ),
    );
    const sub = await service(broker);
    const got = collect(sub);
    await sub.subscribeAsync('fm/#');
    const dev = await device(broker, 'L-1');
    await dev.publishAsync('fm/demo/lift/L-1/event', '{"seq":1,"code":"alarm_button"}', { qos: 1 });
    await until(() => got.length === 1);
    expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
    await dev.endAsync();
    await sub.endAsync();
  });
});

describe('FrameGuard', () => {
  it('follows packets split across chunks and accepts a legal stream', () => {
    const guard = new FrameGuard(1000);
    const topic = Buffer.from('\x00\x1afm/demo/lift/L-1/telemetry', 'latin1');
    const stream = Buffer.concat([
      connectPacket('L-1', 'secret'),
      Buffer.from([0x30, 0x82, 0x01]), // PUBLISH, remaining length 130
      topic,
      Buffer.alloc(130 - topic.length, 0x20),
      Buffer.from([0xc0, 0x00]), // PINGREQ
    ]);
    for (let i = 0; i < stream.length; i += 7) expect(guard.feed(stream.subarray(i, i + 7))).toBeUndefined();
  });
});
