import { rmSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/index.ts';
import { tempDir } from '../support/servers.ts';
import { brokerWith, collect, MemoryDirectory, SECRET, selfSigned, service, until } from './support.ts';

describe('broker listeners', () => {
  const dir = tempDir('tls');
  const tls = selfSigned(dir);
  const directory = new MemoryDirectory();
  let broker: Broker;
  beforeAll(async () => {
    await directory.add('L-1', 'demo', 'lift');
    broker = await brokerWith(directory, { tls });
  });
  afterAll(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds every listener to loopback', () => {
    expect(broker.addresses.tcp.host).toBe('127.0.0.1');
    expect(broker.addresses.ws.host).toBe('127.0.0.1');
    expect(broker.addresses.tls?.host).toBe('127.0.0.1');
  });

  it.each([
    ['WebSocket', (b: Broker) => `ws://127.0.0.1:${b.addresses.ws.port}/mqtt`],
    ['TLS', (b: Broker) => `mqtts://127.0.0.1:${b.addresses.tls!.port}`],
  ])('authenticates and delivers over %s', async (_name, url) => {
    const sub = await service(broker);
    const got = collect(sub);
    await sub.subscribeAsync('fm/#');
    const dev = await mqtt.connectAsync(url(broker), {
      clientId: 'L-1',
      username: 'L-1',
      password: SECRET,
      ca: tls.cert,
      reconnectPeriod: 0,
    });
    await dev.publishAsync('fm/demo/lift/L-1/event', '{"seq":1,"code":"alarm_button"}', { qos: 1 });
    await until(() => got.length === 1);
    await dev.endAsync();
    await expect(
      mqtt.connectAsync(url(broker), {
        clientId: 'L-1',
        username: 'L-1',
        password: 'wrong-0123456789',
        ca: tls.cert,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();
    await sub.endAsync();
  });
});
