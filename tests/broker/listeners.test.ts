import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Broker, RefusalReason } from '../../src/broker/index.ts';
import { tempDir } from '../support/servers.ts';
import { dialTcp } from './corpus/replay.ts';
import { defaultConnect, packet, str } from './corpus/sequences.ts';
import { dialTls, dialWebSocket } from './corpus/target.ts';
import {
  brokerWith,
  collect,
  MemoryDirectory,
  SECRET,
  selfSigned,
  service,
  testOptions,
  until,
} from './support.ts';

const deviceConnect = () => defaultConnect(4, { clientId: 'L-1', username: 'L-1', password: SECRET });

/** Resolves with what came back once the other side closed `conn` (a WebSocket stream only ends). */
function closeOf(conn: Duplex): Promise<Buffer> {
  const got: Buffer[] = [];
  conn.on('data', (d: Buffer) => got.push(d));
  conn.on('error', () => {});
  return new Promise((resolve) => {
    conn.once('end', () => resolve(Buffer.concat(got)));
    conn.once('close', () => resolve(Buffer.concat(got)));
  });
}

describe('broker listeners', () => {
  const dir = tempDir('tls');
  const tls = selfSigned(dir);
  const directory = new MemoryDirectory();
  let broker: Broker;
  beforeAll(async () => {
    await directory.add('L-1', 'demo', 'lift');
    broker = await brokerWith(directory, { tls, connectTimeoutMs: 300 });
  });
  afterAll(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a reconnect storm into a deep backlog on every listener (Node defaults to 511)', () => {
    // The kernel caps the backlog at net.core.somaxconn; `ss` shows a listener's backlog as Send-Q.
    const cap = Math.min(65_535, Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8')));
    for (const { port } of [broker.addresses.tcp, broker.addresses.ws, broker.addresses.tls!]) {
      const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim();
      expect(Number(line.split(/\s+/)[2]), `backlog of port ${port}`).toBe(cap);
    }
  });

  it('refuses to start, without crashing, when the WebSocket port is taken', async () => {
    const taken = broker.addresses.ws.port;
    const err = await brokerWith(directory, { wsPort: taken }).then(
      async (b) => {
        await b.stop();
        return undefined;
      },
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).toBe('EADDRINUSE');
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

  const refused = (reason: RefusalReason) => broker.counters().refusals[reason] ?? 0;

  it.each([
    ['TCP', () => dialTcp(broker.addresses.tcp.port)],
    ['WebSocket', () => dialWebSocket(broker.addresses.ws.port)()],
    ['TLS', () => dialTls(broker.addresses.tls!.port, tls.cert)()],
  ])('closes and counts a connection over %s that sends no CONNECT in time', async (_name, dial) => {
    const before = refused('connect-timeout');
    expect(await closeOf(await dial())).toHaveLength(0);
    expect(refused('connect-timeout')).toBe(before + 1);
  });

  it.each([
    ['WebSocket', () => dialWebSocket(broker.addresses.ws.port)()],
    ['TLS', () => dialTls(broker.addresses.tls!.port, tls.cert)()],
  ])('refuses a QoS 3 will over %s before any CONNACK, as over TCP', async (_name, dial) => {
    const before = refused('invalid-qos');
    const conn = await dial();
    const closed = closeOf(conn);
    // Connect flags 0xde: user name, password, will retain, will QoS 3, will, clean session.
    const fields = ['L-1', 'fm/demo/lift/L-1/status', '{"state":"offline"}', 'L-1', SECRET].map(str);
    conn.write(packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, 0xde, 0, 30]), ...fields])));
    expect(await closed).toHaveLength(0);
    expect(refused('invalid-qos')).toBe(before + 1);
  });

  it('counts plain MQTT sent to the TLS port', async () => {
    const before = refused('tls-handshake-failed');
    const socket = new Socket();
    const closed = closeOf(socket);
    socket.connect(broker.addresses.tls!.port, '127.0.0.1', () => socket.write(deviceConnect()));
    await closed;
    await until(() => refused('tls-handshake-failed') === before + 1);
  });

  it('answers 400 to a request on the WebSocket port that is not HTTP, and counts it', async () => {
    const before = refused('ws-handshake-failed');
    const socket = new Socket();
    const closed = closeOf(socket);
    socket.connect(broker.addresses.ws.port, '127.0.0.1', () => socket.write(deviceConnect()));
    expect((await closed).toString()).toMatch(/^HTTP\/1.1 400/);
    expect(refused('ws-handshake-failed')).toBe(before + 1);
  });

  const wsOpen = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${broker.addresses.ws.port}/mqtt`, 'mqtt');
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  const wsClosed = (ws: WebSocket) => new Promise<number>((r) => ws.once('close', (code) => r(code)));

  it('closes and counts a WebSocket frame larger than the packet limit', async () => {
    const before = refused('oversize-packet');
    const ws = await wsOpen();
    ws.send(deviceConnect());
    ws.send(Buffer.alloc(testOptions.maxPacketBytes + 2048));
    expect(await wsClosed(ws)).toBe(1009); // message too big (RFC 6455 §7.4.1)
    expect(refused('oversize-packet')).toBe(before + 1);
  });

  it('closes and counts a WebSocket text frame [MQTT-6.0.0-1]', async () => {
    const before = refused('protocol-violation');
    const ws = await wsOpen();
    const got: Buffer[] = [];
    ws.on('message', (d: Buffer) => got.push(d));
    ws.send(deviceConnect().toString('latin1'));
    await wsClosed(ws);
    expect(got).toEqual([]);
    expect(refused('protocol-violation')).toBe(before + 1);
  });
});
