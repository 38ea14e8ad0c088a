import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureBans, FlapDetector } from '../../src/broker/bans.ts';
import type { Broker } from '../../src/broker/index.ts';
import { brokerWith, connect, device, MemoryDirectory, refusalCode, service } from './support.ts';

const bans = { flapConnects: 4, authFailures: 6, windowMs: 60_000, banMs: 300_000 };

describe('bans: nobody can lock anyone else out', () => {
  const directory = new MemoryDirectory();
  let broker: Broker;
  beforeAll(async () => {
    for (const id of ['L-1', 'L-2', 'L-3']) await directory.add(id, 'demo', 'lift');
    broker = await brokerWith(directory, { ...bans, authFailures: 1000 });
  });
  afterAll(() => broker.stop());

  it('anonymous CONNECTs in a device’s name do not ban the device', async () => {
    for (let i = 0; i < 16; i++) expect(await refusalCode(connect(broker, { clientId: 'L-1' }))).toBe(5);
    await (await device(broker, 'L-1')).endAsync();
    expect(broker.counters().refusals['flapping-ban']).toBeUndefined();
  });

  it('wrong secrets in a service’s name do not ban the service, nor do its own reconnects', async () => {
    const wrong = { clientId: 'service.rules', username: 'service.rules', password: 'guess' };
    for (let i = 0; i < 16; i++) expect(await refusalCode(connect(broker, wrong))).toBe(4);
    for (let i = 0; i < 8; i++) await (await service(broker, 'rules')).endAsync();
    expect(broker.counters().refusals['flapping-ban']).toBeUndefined();
  });

  it('a device that itself reconnects too often is banned, and only it', async () => {
    for (let i = 0; i < 4; i++) await (await device(broker, 'L-2')).endAsync();
    expect(await refusalCode(device(broker, 'L-2'))).toBe(5);
    expect(broker.counters().refusals['flapping-ban']).toBe(1);
    await (await device(broker, 'L-3')).endAsync();
  });
});

describe('bans: failed authentications count against their address', () => {
  const directory = new MemoryDirectory();
  let broker: Broker;
  beforeAll(async () => {
    await directory.add('L-1', 'demo', 'lift');
    // A short tarpit: the production 2 s is a wait, not a check (nothing here measures lateness).
    broker = await brokerWith(directory, { ...bans, tarpitMs: 100 });
  });
  afterAll(() => broker.stop());

  it('answers an address over its limit late, while a correct secret from it still gets in', async () => {
    for (let i = 0; i < 6; i++)
      expect(await refusalCode(device(broker, 'L-1', { password: `wrong-${i}` }))).toBe(4);
    expect(await refusalCode(device(broker, 'L-1', { password: 'wrong-again' }))).toBe(5);
    expect(broker.counters().refusals['address-ban']).toBe(1);
    await (await device(broker, 'L-1')).endAsync();
    await (await service(broker, 'api')).endAsync();
  });
});

describe('ban bookkeeping', () => {
  it('tracks a bounded number of addresses however many fail', () => {
    const failures = new FailureBans(bans);
    for (let i = 0; i < 50_000; i++) failures.count(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 1000);
    expect(failures.size).toBeLessThanOrEqual(10_000);
  });

  it('lifts a ban once it has run its time, and counts afresh', () => {
    const flaps = new FlapDetector(bans);
    for (let i = 0; i < 4; i++) expect(flaps.count('L-1', 0)).toBe(false);
    expect(flaps.count('L-1', 1)).toBe(true);
    expect(flaps.banned('L-1', 299_000)).toBe(true);
    expect(flaps.count('L-1', 300_002)).toBe(false);
  });
});
