/**
 * MQTT 3.1.1's packet rules (src/broker/strict.ts): each refusal closes the connection, is counted
 * by its reason and logged with it and the rule it breaks.
 */
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, FrameGuard, type RefusalReason, startBroker } from '../../src/broker/index.ts';
import { defaultConnect, packet, str } from './corpus/sequences.ts';
import { MemoryDirectory, SECRET, SERVICE_SECRET, testOptions, url } from './support.ts';

const deviceConnect = (flags = 0xc2, will?: { topic: Buffer; payload: Buffer }) =>
  packet(
    0x10,
    Buffer.concat([
      str('MQTT'),
      Buffer.from([4, flags, 0, 30]),
      str('L-1'),
      ...(will ? [str(will.topic), str(will.payload)] : []),
      str('L-1'),
      str(SECRET),
    ]),
  );

describe('FrameGuard', () => {
  const connected = () => {
    const guard = new FrameGuard(65_536);
    expect(guard.feed(deviceConnect())).toBeUndefined();
    return guard;
  };
  const publish = (topic: Buffer, header = 0x30, id = Buffer.alloc(0)) =>
    packet(header, Buffer.concat([str(topic), id, Buffer.from('{}')]));

  it.each<[string, Buffer, RefusalReason, string]>([
    ['QoS 3 PUBLISH', publish(Buffer.from('a/b'), 0x36, Buffer.from([0, 1])), 'invalid-qos', 'MQTT-3.3.1-4'],
    ['DUP on QoS 0', publish(Buffer.from('a/b'), 0x38), 'malformed-packet', 'MQTT-3.3.1-2'],
    [
      'QoS 1 with packet id 0',
      publish(Buffer.from('a'), 0x32, Buffer.from([0, 0])),
      'invalid-packet-id',
      'MQTT-2.3.1-1',
    ],
    ['publish to a wildcard', publish(Buffer.from('fm/+/lift')), 'invalid-topic', 'MQTT-3.3.2-2'],
    ['an empty topic', publish(Buffer.alloc(0)), 'invalid-topic', 'MQTT-4.7.3-1'],
    ['NUL in a topic', publish(Buffer.from('a\0b')), 'invalid-utf8', 'MQTT-1.5.3-2'],
    [
      'a surrogate in a topic',
      publish(Buffer.from([0x61, 0xed, 0xa0, 0x80])),
      'invalid-utf8',
      'MQTT-1.5.3-1',
    ],
    [
      'a topic longer than its packet',
      Buffer.from('3005000961626364', 'hex'),
      'malformed-packet',
      'MQTT-3.3.2',
    ],
    ['PUBACK with flags', Buffer.from('41020001', 'hex'), 'reserved-flags', 'MQTT-2.2.2-2'],
    ['PUBREL without its flag', Buffer.from('60020001', 'hex'), 'reserved-flags', 'MQTT-2.2.2-2'],
    ['a PUBACK of 3 bytes', Buffer.from('4003000100', 'hex'), 'malformed-packet', 'MQTT-3.4.2'],
    ['PUBCOMP for packet id 0', Buffer.from('70020000', 'hex'), 'invalid-packet-id', 'MQTT-2.3.1-1'],
    ['PINGREQ with a body', Buffer.from('c00100', 'hex'), 'malformed-packet', 'MQTT-3.12.1'],
    ['SUBSCRIBE without topics', Buffer.from('82020001', 'hex'), 'malformed-packet', 'MQTT-3.8.3-3'],
    [
      'SUBSCRIBE with a bad #',
      Buffer.from('820800010003612361' + '00', 'hex'),
      'invalid-topic',
      'MQTT-4.7.1-2',
    ],
    [
      'SUBSCRIBE with a bad +',
      Buffer.from('82080001000361' + '2b61' + '00', 'hex'),
      'invalid-topic',
      'MQTT-4.7.1-3',
    ],
    ['SUBSCRIBE QoS 3', Buffer.from('820600010001' + '6103', 'hex'), 'invalid-qos', 'MQTT-3-8.3-4'],
    [
      'SUBSCRIBE reserved bits',
      Buffer.from('820600010001' + '6104', 'hex'),
      'reserved-flags',
      'MQTT-3-8.3-4',
    ],
    ['UNSUBSCRIBE without topics', Buffer.from('a2020001', 'hex'), 'malformed-packet', 'MQTT-3.10.3-2'],
    [
      'UNSUBSCRIBE a control character',
      Buffer.from('a20500010001' + '01', 'hex'),
      'invalid-utf8',
      'MQTT-1.5.3 (control character)',
    ],
    ['an MQTT 5 AUTH packet', Buffer.from('f000', 'hex'), 'protocol-violation', 'MQTT-2.2.1'],
    ['a second CONNECT', deviceConnect(), 'protocol-violation', 'MQTT-3.1.0-2'],
  ])('refuses %s after CONNECT', (_name, bytes, reason, rule) => {
    expect(connected().feed(bytes)).toMatchObject({ reason, rule });
  });

  const will = (topic: string | Buffer) => ({ topic: Buffer.from(topic), payload: Buffer.from('{}') });
  it.each<[string, Buffer, RefusalReason, string, number?]>([
    [
      'a will with QoS 3',
      deviceConnect(0xde, will('fm/demo/lift/L-1/status')),
      'invalid-qos',
      'MQTT-3.1.2-14',
    ],
    ['a will topic with NUL', deviceConnect(0xc6, will('fm\0x')), 'invalid-utf8', 'MQTT-1.5.3-2'],
    [
      'a will topic that is not UTF-8',
      deviceConnect(0xc6, will(Buffer.from([0xff]))),
      'invalid-utf8',
      'MQTT-1.5.3-1',
    ],
    ['a wildcard will topic', deviceConnect(0xc6, will('fm/#')), 'invalid-topic', 'MQTT-3.3.2-2'],
    ['will QoS without a will', deviceConnect(0xca), 'malformed-packet', 'MQTT-3.1.2-11'],
    ['the reserved flag', deviceConnect(0xc3), 'reserved-flags', 'MQTT-3.1.2-3'],
    ['a password without a user name', deviceConnect(0x42), 'malformed-packet', 'MQTT-3.1.2-22'],
    ['MQTT 5', defaultConnect(5, { clientId: 'L-1' }), 'unsupported-protocol', 'MQTT-3.1.2-2', 1],
    [
      'protocol level 6',
      Buffer.from('100d00044d5154540602000a000170', 'hex'),
      'unsupported-protocol',
      'MQTT-3.1.2-2',
      1,
    ],
    [
      'an empty client id without clean session',
      Buffer.from('100c00044d51545404000000' + '0000', 'hex'),
      'client-id-rejected',
      'MQTT-3.1.3-8',
      2,
    ],
    [
      'another protocol name',
      Buffer.from('100d00044d5154550402000a000170', 'hex'),
      'malformed-packet',
      'MQTT-3.1.2-1',
    ],
  ])('refuses a CONNECT with %s', (_name, bytes, reason, rule, connack) => {
    const refusal = new FrameGuard(65_536).feed(bytes);
    expect(refusal).toMatchObject({ reason, rule });
    expect(refusal?.connack).toBe(connack);
  });

  it('judges packets that arrive a byte at a time as it judges whole ones', () => {
    const stream = Buffer.concat([
      deviceConnect(),
      packet(0x32, Buffer.concat([str('a/b'), Buffer.from([0, 5]), Buffer.from('xyz')])),
      packet(0x82, Buffer.concat([Buffer.from([0, 1]), str('a/#'), Buffer.from([1])])),
      packet(0x30, Buffer.concat([str(''), Buffer.from('x')])), // an empty topic
    ]);
    const guard = new FrameGuard(65_536);
    let refusal: ReturnType<FrameGuard['feed']>;
    for (let i = 0; i < stream.length && !refusal; i++) refusal = guard.feed(stream.subarray(i, i + 1));
    expect(refusal).toMatchObject({ reason: 'invalid-topic', rule: 'MQTT-4.7.3-1' });
  });

  it('refuses an acknowledgement of the wrong kind for a message in flight, and ignores unknown ones', async () => {
    const { InflightAcks } = await import('../../src/broker/acks.ts');
    const acks = new InflightAcks();
    const guard = new FrameGuard(65_536, acks);
    expect(guard.feed(deviceConnect())).toBeUndefined();
    // The broker sends a QoS 1 message with packet id 7, in pieces as mqtt-packet writes it.
    for (const piece of [Buffer.from([0x32, 9]), Buffer.from([0, 3]), 'a/b', Buffer.from([0, 7]), 'xx'])
      acks.outbound(piece);
    expect(guard.feed(Buffer.from('40020009', 'hex'))).toBeUndefined(); // unknown id: ignored
    expect(guard.feed(Buffer.from('50020007', 'hex'))).toMatchObject({ reason: 'unexpected-ack' });
  });
});

/** Sends raw bytes; resolves with what came back once the broker closed the connection. */
function exchange(port: number, bytes: Buffer, waitMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const s = new Socket();
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('connection stayed open'));
    }, waitMs);
    s.on('data', (d) => got.push(d));
    s.on('error', () => {});
    s.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(got));
    });
    s.connect(port, '127.0.0.1', () => s.write(bytes));
  });
}

describe('refusals on the wire', () => {
  const directory = new MemoryDirectory();
  const logged: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(line, _enc, done) {
      logged.push(JSON.parse(line.toString()));
      done();
    },
  });
  let broker: Broker;
  beforeAll(async () => {
    await directory.add('L-1', 'demo', 'lift');
    broker = await startBroker({
      options: { ...testOptions, connectTimeoutMs: 300 },
      log: pino({ level: 'warn' }, sink),
      devices: directory,
      serviceSecret: SERVICE_SECRET,
    });
  });
  afterAll(() => broker.stop());

  const refused = (reason: RefusalReason) => broker.counters().refusals[reason] ?? 0;
  const logOf = (reason: RefusalReason) => logged.find((l) => l.reason === reason);

  it('closes a CONNECT with a QoS 3 will before any CONNACK, counts and logs it', async () => {
    const bytes = deviceConnect(0xfe, {
      topic: Buffer.from('fm/demo/lift/L-1/status'),
      payload: Buffer.from('x'),
    });
    expect(await exchange(broker.addresses.tcp.port, bytes)).toHaveLength(0);
    expect(refused('invalid-qos')).toBe(1);
    expect(logOf('invalid-qos')).toMatchObject({
      clientId: 'L-1',
      rule: 'MQTT-3.1.2-14',
      remote: '127.0.0.1',
    });
  });

  it('closes a device that publishes to a wildcard topic, and logs its client id', async () => {
    const bytes = Buffer.concat([
      deviceConnect(),
      packet(0x30, Buffer.concat([str('fm/demo/lift/+/event'), Buffer.from('{}')])),
    ]);
    // Sent in one go: the CONNECT passes, the PUBLISH is refused before aedes answers either.
    await exchange(broker.addresses.tcp.port, bytes);
    expect(refused('invalid-topic')).toBe(1);
    expect(logOf('invalid-topic')).toMatchObject({ clientId: 'L-1', rule: 'MQTT-3.3.2-2' });
  });

  it('answers an MQTT 5 client with CONNACK 1 (unacceptable protocol version), counts and logs it', async () => {
    const client = mqtt.connect(url(broker), { protocolVersion: 5, reconnectPeriod: 0, clientId: 'L-1' });
    const err = await new Promise<Error & { code?: number }>((r) => client.once('error', r));
    client.end(true);
    expect(err.code).toBe(1);
    expect(err.message).toMatch(/unacceptable protocol version/i);
    expect(refused('unsupported-protocol')).toBe(1);
    expect(logOf('unsupported-protocol')).toMatchObject({
      level: 40,
      protocolLevel: 5,
      rule: 'MQTT-3.1.2-2',
    });
  });

  it('closes and counts a connection that sends no CONNECT in time', async () => {
    const before = refused('connect-timeout');
    expect(await exchange(broker.addresses.tcp.port, Buffer.alloc(0))).toHaveLength(0);
    expect(refused('connect-timeout')).toBe(before + 1);
    expect(logOf('connect-timeout')).toMatchObject({ remote: '127.0.0.1' });
  });
});
