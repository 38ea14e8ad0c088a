import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryGate } from '../../src/broker/gate.ts';
import type { Broker } from '../../src/broker/index.ts';
import { str } from './corpus/sequences.ts';
import { brokerWith, MemoryDirectory, SECRET, service, sleep } from './support.ts';

/** MQTT 3.1.1 CONNECT with a retained will of QoS `willQos` (3 is forbidden [MQTT-3.1.2-14]). */
function connectWithWill(id: string, willTopic: string, willQos: number): Buffer {
  const flags = 0x80 | 0x40 | 0x20 | (willQos << 3) | 0x04 | 0x02;
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, flags, 0, 30]),
    str(id),
    str(willTopic),
    str('{"status":"offline"}'),
    str(id),
    str(SECRET),
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

/** Sends `packet`, then drops the connection without DISCONNECT; resolves with what the broker sent. */
function sendAndDrop(broker: Broker, packet: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const s = new Socket();
    const got: Buffer[] = [];
    s.on('data', (d) => got.push(d));
    s.on('error', () => {});
    s.once('close', () => resolve(Buffer.concat(got)));
    s.connect(broker.addresses.tcp.port, '127.0.0.1', () => s.write(packet));
    setTimeout(() => s.destroy(), 500);
  });
}

describe('a last will with QoS 3', () => {
  const directory = new MemoryDirectory();
  let broker: Broker;
  beforeAll(async () => {
    await directory.add('L-1', 'demo', 'lift');
    broker = await brokerWith(directory);
  });
  afterAll(() => broker.stop());

  it('is refused at CONNECT, counted, and never reaches a QoS 1 wildcard subscriber', async () => {
    const answer = await sendAndDrop(broker, connectWithWill('L-1', 'fm/demo/lift/L-1/status', 3));
    // No CONNACK accepting the session: the connection is closed [MQTT-3.1.2-14].
    expect(answer.equals(Buffer.from([0x20, 0x02, 0x00, 0x00]))).toBe(false);

    const sub = await service(broker, 'rules');
    let closes = 0;
    sub.on('close', () => closes++);
    await sub.subscribeAsync('fm/#', { qos: 1 });
    await sleep(500);
    expect(closes).toBe(0);
    expect(sub.connected).toBe(true);
    await sub.endAsync();
    expect(broker.counters().refusals['invalid-qos']).toBe(1);
  });

  it('a message with a QoS outside 0..2 never enters the bus', () => {
    const refused: unknown[] = [];
    const gate = new DeliveryGate(10, undefined, (m) => refused.push(m));
    let delivered = 0;
    gate.mq.on('t', (_m, cb) => {
      delivered++;
      cb();
    });
    let error: Error | null | undefined;
    gate.mq.emit({ topic: 't', qos: 3 } as never, (err) => {
      error = err;
    });
    gate.mq.emit({ topic: 't', qos: 1 } as never);
    expect(delivered).toBe(1);
    expect(error).toBeInstanceOf(Error);
    expect(refused).toHaveLength(1);
  });
});
