import { randomBytes, scryptSync } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/index.ts';
import {
  brokerWith,
  collect,
  device,
  MemoryDirectory,
  refusalCode,
  SECRET,
  service,
  sleep,
  until,
} from './support.ts';

/** A hash in the registry's old slow form, as registries before the keyed hash hold them. */
function legacyHash(secret: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(secret, salt, 32, { N: 1 << 14, r: 8, p: 1, maxmem: 64 << 20 });
  return ['scrypt', 1 << 14, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

const closed = (c: MqttClient) => new Promise<void>((r) => c.once('close', () => r()));

describe('live sessions follow the registry', () => {
  const directory = new MemoryDirectory();
  let broker: Broker;
  beforeAll(async () => {
    for (const id of ['L-1', 'L-2', 'L-3']) await directory.add(id, 'demo', 'lift');
    broker = await brokerWith(directory, { sessionCheckMs: 100 });
  });
  afterAll(() => broker.stop());

  it('ends a revoked device’s session; what it sends afterwards, and its will, are not delivered', async () => {
    const sub = await service(broker, 'rules');
    const got = collect(sub);
    await sub.subscribeAsync('fm/#', { qos: 1 });
    const denied = broker.counters().refusals['will-denied'] ?? 0;
    const dev = await device(broker, 'L-1', {
      reconnectPeriod: 0,
      will: { topic: 'fm/demo/lift/L-1/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    const gone = closed(dev);
    directory.revoke('L-1');
    await gone;
    expect(broker.counters().sessionsEnded.revoked).toBe(1);
    dev.publish('fm/demo/lift/L-1/status', 'online', { qos: 1, retain: true });
    expect(await refusalCode(device(broker, 'L-1'))).toBe(5);
    await sleep(200);
    expect(got.filter((m) => m.payload === 'online' || m.payload === 'offline')).toEqual([]);
    expect(broker.counters().refusals['will-denied']).toBe(denied + 1);
    await sub.endAsync();
  });

  it('ends a session authenticated with a secret rotated away; the new secret gets in', async () => {
    const dev = await device(broker, 'L-2', { reconnectPeriod: 0 });
    const gone = closed(dev);
    await directory.rotate('L-2', 'the-new-secret-0123456789abcdef');
    await gone;
    expect(broker.counters().sessionsEnded.rotated).toBe(1);
    expect(await refusalCode(device(broker, 'L-2'))).toBe(4);
    const again = await device(broker, 'L-2', { password: 'the-new-secret-0123456789abcdef' });
    await sleep(300); // several checks: the new session stays
    expect(again.connected).toBe(true);
    await again.endAsync();
  });

  it('rewrites a legacy hash in the fast form on a successful connect, without ending the session', async () => {
    const old = legacyHash(SECRET);
    directory.setHash('L-3', old);
    const dev = await device(broker, 'L-3');
    await until(() => directory.devices.get('L-3')!.secretHash !== old);
    expect(directory.devices.get('L-3')!.secretHash).toMatch(/^hmac-sha256\$/);
    await sleep(300);
    expect(dev.connected).toBe(true);
    await dev.endAsync();
    await (await device(broker, 'L-3')).endAsync();
    expect(await refusalCode(device(broker, 'L-3', { password: 'wrong-secret-0123456789' }))).toBe(4);
  });
});
