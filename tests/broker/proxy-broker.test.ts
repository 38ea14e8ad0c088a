import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Broker,
  brokerOptionsFromConfig,
  type RefusalReason,
  startBroker,
} from '../../src/broker/index.ts';
import { loadConfig } from '../../src/config.ts';
import { captureLog } from '../support/log.ts';
import { defaultConnect } from './corpus/sequences.ts';
import { v1From, v2, v2From } from './proxy-headers.ts';
import { brokerWith, MemoryDirectory, SECRET, SERVICE_SECRET, testOptions, until } from './support.ts';

/** The broker with FM_MQTT_PROXY_PROTOCOL, given headers by hand (tests/broker/proxy-haproxy.test.ts: by HAProxy). */

const connectOf = (password: string) => defaultConnect(4, { clientId: 'P-1', username: 'P-1', password });
const CONNACK_ACCEPTED = Buffer.from([0x20, 2, 0, 0]);

interface Exchange {
  /** Everything the broker sent back, once it sent a CONNACK or closed the connection. */
  reply: Promise<Buffer>;
  socket: Socket;
}

/**
 * Writes `chunks` one at a time, each after the broker has had a turn to read the one before (it
 * runs in this process: a timer lets its poll phase take what is on the socket), so they reach it
 * as separate TCP reads.
 */
function exchange(port: number, chunks: Buffer[]): Exchange {
  const socket = new Socket();
  socket.setNoDelay(true);
  const got: Buffer[] = [];
  const reply = new Promise<Buffer>((resolve) => {
    socket.on('data', (d: Buffer) => {
      got.push(d);
      if (Buffer.concat(got).length >= 4) resolve(Buffer.concat(got));
    });
    socket.on('error', () => {});
    socket.once('close', () => resolve(Buffer.concat(got)));
  });
  socket.connect(port, '127.0.0.1', async () => {
    for (const chunk of chunks) {
      socket.write(chunk);
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  return { reply, socket };
}

describe('broker behind a proxy: the PROXY protocol header', () => {
  const captured = captureLog('info');
  const directory = new MemoryDirectory();
  let broker: Broker;
  let port: number;
  beforeAll(async () => {
    await directory.add('P-1', 'demo', 'lift');
    broker = await startBroker({
      // One failed authentication per address is allowed: the second is banned, and says from where.
      options: { ...testOptions, proxyProtocol: true, authFailures: 1 },
      log: captured.log,
      devices: directory,
      serviceSecret: SERVICE_SECRET,
    });
    port = broker.addresses.tcp.port;
  });
  afterAll(() => broker.stop());

  const refused = (reason: RefusalReason) => broker.counters().refusals[reason] ?? 0;
  const logged = (reason: string) => captured.entries().filter((e) => e.reason === reason);

  it('takes a header split over TCP reads, with the CONNECT in the read that ends it', async () => {
    for (const header of [v2From('203.0.113.1'), v1From('203.0.113.1')]) {
      const connect = connectOf(SECRET);
      const { reply, socket } = exchange(port, [
        header.subarray(0, 5),
        header.subarray(5, 17),
        Buffer.concat([header.subarray(17), connect.subarray(0, 3)]),
        connect.subarray(3),
      ]);
      expect(await reply).toEqual(CONNACK_ACCEPTED);
      socket.destroy();
    }
  });

  it("counts failed authentications against the header's address, each device apart", async () => {
    const fail = async (address: string) => {
      const { socket } = exchange(port, [Buffer.concat([v2From(address), connectOf('wrong-secret-0123')])]);
      return socket;
    };
    const first = await fail('203.0.113.7');
    await until(() => logged('bad-secret').length >= 1);
    // A second failure from the same device's address: banned (answered after the tarpit).
    const second = await fail('203.0.113.7');
    await until(() => logged('address-ban').length === 1);
    expect(logged('address-ban')[0]).toMatchObject({ address: '203.0.113.7' });
    // Another device behind the same proxy (the same peer, 127.0.0.1) is not: a failure of its own.
    const before = refused('bad-secret');
    const other = await fail('203.0.113.8');
    await until(() => refused('bad-secret') === before + 1);
    expect(refused('address-ban')).toBe(1);
    for (const s of [first, second, other]) s.destroy();
    // A correct secret from the banned address still gets in at once.
    const ok = exchange(port, [Buffer.concat([v2From('203.0.113.7'), connectOf(SECRET)])]);
    expect(await ok.reply).toEqual(CONNACK_ACCEPTED);
    ok.socket.destroy();
  });

  it("accepts v2 LOCAL (the proxy's health check) as the proxy's own connection", async () => {
    const local = v2(0, 0x00, Buffer.alloc(0));
    const { reply, socket } = exchange(port, [Buffer.concat([local, connectOf(SECRET)])]);
    expect(await reply).toEqual(CONNACK_ACCEPTED);
    socket.destroy();
    // A check that opens, sends LOCAL and closes is no refusal.
    const before = broker.counters().refusals;
    const check = exchange(port, [local]);
    await new Promise((r) => setTimeout(r, 20));
    check.socket.end();
    await check.reply;
    expect(broker.counters().refusals).toEqual(before);
  });

  it("is no refusal to open and close a connection without a byte (compose's port check)", async () => {
    const before = broker.counters().refusals;
    const check = exchange(port, []);
    await new Promise((r) => check.socket.once('connect', r));
    check.socket.end();
    expect(await check.reply).toHaveLength(0);
    expect(broker.counters().refusals).toEqual(before);
  });

  it('refuses and counts MQTT that did not come through the proxy', async () => {
    const before = refused('proxy-header');
    const { reply } = exchange(port, [connectOf(SECRET)]);
    expect(await reply).toHaveLength(0);
    expect(refused('proxy-header')).toBe(before + 1);
    expect(logged('proxy-header')[0]).toMatchObject({
      remote: '127.0.0.1',
      error: expect.stringMatching(/no PROXY protocol header/),
    });
  });

  it('refuses and counts a header that is not valid', async () => {
    const before = refused('proxy-header');
    const { reply } = exchange(port, [Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 99999 1883\r\n')]);
    expect(await reply).toHaveLength(0);
    expect(refused('proxy-header')).toBe(before + 1);
  });
});

describe('FM_MQTT_PROXY_PROTOCOL', () => {
  const options = (env: Record<string, string>) => brokerOptionsFromConfig(loadConfig(env), () => '');
  it('is off unless set, and reaches the broker when it is', () => {
    expect(options({}).proxyProtocol).toBe(false);
    expect(options({ FM_MQTT_PROXY_PROTOCOL: 'true' }).proxyProtocol).toBe(true);
  });
});

describe('broker not behind a proxy (FM_MQTT_PROXY_PROTOCOL off)', () => {
  const directory = new MemoryDirectory();
  let broker: Broker;
  beforeAll(async () => {
    await directory.add('P-1', 'demo', 'lift');
    broker = await brokerWith(directory);
  });
  afterAll(() => broker.stop());

  it.each([
    ['v1', v1From('203.0.113.9')],
    ['v2', v2From('203.0.113.9')],
  ])('takes a %s header for what it is then: bytes that are not MQTT', async (_name, header) => {
    const total = () => Object.values(broker.counters().refusals).reduce((a, b) => a + b, 0);
    const before = total();
    const { reply } = exchange(broker.addresses.tcp.port, [Buffer.concat([header, connectOf(SECRET)])]);
    expect(await reply).toHaveLength(0);
    expect(total()).toBe(before + 1);
    expect(broker.counters().refusals['proxy-header']).toBeUndefined();
  });
});
