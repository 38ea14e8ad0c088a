import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/index.ts';
import { encode } from '../../src/protocol/index.ts';
import {
  brokerWith,
  collect,
  connect,
  device,
  MemoryDirectory,
  refusalCode,
  SECRET,
  service,
  sleep,
  until,
} from './support.ts';

const lift = { site: 'demo', kind: 'lift', deviceId: 'L-1' } as const;
const reading = {
  seq: 1,
  floor: 3,
  direction: 'stopped',
  speed_mps: 0,
  door: 'closed',
  door_zone: true,
  occupied: false,
  mode: 'normal',
  door_cycles_total: 1,
  runs_total: 1,
} as const;

describe('broker authentication and topic ACL', () => {
  const directory = new MemoryDirectory();
  let broker: Broker;

  beforeAll(async () => {
    await directory.add('L-1', 'demo', 'lift');
    await directory.add('L-2', 'demo', 'lift');
    await directory.add('P-1', 'demo', 'pump');
    await directory.add('L-R', 'demo', 'lift');
    broker = await brokerWith(directory);
  });
  afterAll(() => broker.stop());

  it('delivers a device’s own telemetry to a service subscriber', async () => {
    const sub = await service(broker);
    const got = collect(sub);
    await sub.subscribeAsync('fm/+/+/+/telemetry', { qos: 1 });
    const dev = await device(broker, 'L-1');
    const msg = encode(lift, 'telemetry', reading);
    await dev.publishAsync(msg.topic, msg.payload, { qos: 1 });
    await until(() => got.length === 1);
    expect(got[0]).toEqual({ topic: 'fm/demo/lift/L-1/telemetry', payload: msg.payload });
    await dev.endAsync();
    await sub.endAsync();
  });

  it.each([
    ['another device’s topic', 'fm/demo/lift/L-2/telemetry', 'publish-denied'],
    ['another kind', 'fm/demo/pump/L-1/telemetry', 'publish-denied'],
    ['another site', 'fm/other/lift/L-1/telemetry', 'publish-denied'],
    ['its own command topic', 'fm/demo/lift/L-1/command', 'publish-denied'],
    ['another device’s reply topic', 'fm/demo/lift/L-2/reply', 'publish-denied'],
    ['$SYS', '$SYS/broker/clients', 'sys-publish'],
  ])('refuses a publish to %s and delivers nothing', async (_name, topic, reason) => {
    const before = broker.counters().refusals[reason as 'publish-denied'] ?? 0;
    const sub = await service(broker, 'watch');
    const got = collect(sub);
    await sub.subscribeAsync(['fm/#', '$SYS/broker/clients']);
    const dev = await device(broker, 'L-1');
    const closed = new Promise<void>((r) => dev.once('close', () => r()));
    dev.publish(topic, JSON.stringify(reading), { qos: 1 });
    await closed;
    await sleep(100);
    expect(got).toEqual([]);
    expect(broker.counters().refusals[reason as 'publish-denied']).toBe(before + 1);
    dev.end(true);
    await sub.endAsync();
  });

  it('answers a subscription outside the device’s command topic with 0x80 and sends nothing', async () => {
    const dev = await device(broker, 'L-1');
    const got = collect(dev);
    // mqtt.js rejects a SUBACK with any 0x80 and carries the packet on the error.
    const suback = await dev
      .subscribeAsync(['#', 'fm/demo/lift/L-2/command', 'fm/demo/lift/L-1/command'])
      .then(
        () => undefined,
        (err: { packet?: { granted: number[] } }) => err.packet,
      );
    expect(suback?.granted).toEqual([128, 128, 0]);
    expect(dev.connected).toBe(true);
    const other = await device(broker, 'L-2');
    await other.publishAsync('fm/demo/lift/L-2/telemetry', JSON.stringify(reading));
    await sleep(150);
    expect(got).toEqual([]);
    await other.endAsync();
    await dev.endAsync();
  });

  it('lets a device answer commands on its own reply topic, and a service command it', async () => {
    const commands = await service(broker, 'commands');
    const replies = collect(commands);
    await commands.subscribeAsync('fm/+/+/+/reply', { qos: 1 });
    const dev = await device(broker, 'L-1');
    const orders = collect(dev);
    await dev.subscribeAsync('fm/demo/lift/L-1/command', { qos: 1 });
    await commands.publishAsync('fm/demo/lift/L-1/command', '{"id":"c-1"}', { qos: 1 });
    await until(() => orders.length === 1);
    await dev.publishAsync('fm/demo/lift/L-1/reply', '{"id":"c-1","result":"done"}', { qos: 1 });
    await until(() => replies.length === 1);
    expect(replies[0]!.topic).toBe('fm/demo/lift/L-1/reply');
    await dev.endAsync();
    await commands.endAsync();
  });

  it.each([
    ['anonymous', {}, 5],
    ['a wrong secret', { clientId: 'L-1', username: 'L-1', password: 'wrong-secret-0123456789' }, 4],
    ['an unknown device', { clientId: 'X-9', username: 'X-9', password: SECRET }, 4],
    ['a client id that is not the username', { clientId: 'L-2', username: 'L-1', password: SECRET }, 2],
    ['a bad service secret', { clientId: 'service.ingest', username: 'service.ingest', password: SECRET }, 4],
  ])('refuses %s', async (_name, options, code) => {
    expect(await refusalCode(connect(broker, options))).toBe(code);
  });

  it('refuses a revoked device at its next connect', async () => {
    const first = await device(broker, 'L-R');
    await first.endAsync();
    directory.revoke('L-R');
    expect(await refusalCode(device(broker, 'L-R'))).toBe(5);
  });

  it('drops a last will aimed at another device’s topic', async () => {
    const sub = await service(broker, 'wills');
    const got = collect(sub);
    await sub.subscribeAsync('fm/#');
    const before = broker.counters().refusals['will-denied'] ?? 0;
    const dev = await device(broker, 'P-1', {
      will: {
        topic: 'fm/demo/lift/L-2/status',
        payload: Buffer.from('{"state":"offline"}'),
        qos: 1,
        retain: true,
      },
    });
    (dev.stream as import('node:net').Socket).destroy();
    await until(() => (broker.counters().refusals['will-denied'] ?? 0) === before + 1);
    await sleep(100);
    expect(got).toEqual([]);
    dev.end(true);
    await sub.endAsync();
  });

  it('publishes a device’s own will', async () => {
    const sub = await service(broker, 'wills2');
    const got = collect(sub);
    await sub.subscribeAsync('fm/+/+/+/status');
    const dev = await device(broker, 'P-1', {
      will: {
        topic: 'fm/demo/pump/P-1/status',
        payload: Buffer.from('{"state":"offline"}'),
        qos: 1,
        retain: false,
      },
    });
    (dev.stream as import('node:net').Socket).destroy();
    await until(() => got.length === 1);
    expect(got[0]!.topic).toBe('fm/demo/pump/P-1/status');
    dev.end(true);
    await sub.endAsync();
  });

  it('looks the device up on every connect but hashes its secret only once', async () => {
    const lookups = directory.lookups;
    const started = performance.now();
    for (let i = 0; i < 5; i++) await (await device(broker, 'L-2')).endAsync();
    expect(directory.lookups - lookups).toBe(5);
    // five scrypt verifications would take well over 100 ms; cached ones take a few
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
