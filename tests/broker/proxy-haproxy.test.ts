import { rmSync } from 'node:fs';
import { createConnection, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import mqtt, { type IClientOptions, MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Broker, type RefusalReason, startBroker } from '../../src/broker/index.ts';
import { captureLog } from '../support/log.ts';
import { freePort, type RunningServer, startHaproxy, tempDir } from '../support/servers.ts';
import { defaultConnect } from './corpus/sequences.ts';
import { v2From } from './proxy-headers.ts';
import { MemoryDirectory, SECRET, SERVICE_SECRET, selfSigned, testOptions, until } from './support.ts';

/**
 * Debian's HAProxy in front of the broker (FM_MQTT_PROXY_PROTOCOL), as in deploy/ha/haproxy.cfg:
 * `send-proxy-v2` (and `send-proxy`, v1) on each listener's server line. HAProxy connects to the
 * broker from 127.0.0.2 (`source`), each device from an address of its own (127.0.0.3 and up), so
 * the broker naming the device's address can only have come from the header.
 */

const WAYS = ['v2', 'v1', 'ws', 'tls'] as const;
type Way = (typeof WAYS)[number];
const HAPROXY_SOURCE = '127.0.0.2';

describe('broker behind HAProxy (PROXY protocol)', () => {
  const dir = tempDir('proxy-tls');
  const tls = selfSigned(dir);
  const captured = captureLog('info');
  const directory = new MemoryDirectory();
  const front = {} as Record<Way, number>;
  let broker: Broker;
  let haproxy: RunningServer & { run(command: string): Promise<string> };

  beforeAll(async () => {
    // One device per way in: the broker logs the first refusal of each client and reason in full.
    for (const way of WAYS) await directory.add(`H-${way}`, 'demo', 'lift');
    broker = await startBroker({
      // One failed authentication per address is allowed: the second is banned, and says from where.
      options: { ...testOptions, tls, proxyProtocol: true, authFailures: 1, connectTimeoutMs: 500 },
      log: captured.log,
      devices: directory,
      serviceSecret: SERVICE_SECRET,
    });
    for (const way of WAYS) front[way] = await freePort();
    const { tcp, ws, tls: tlsAddress } = broker.addresses;
    const backend = (way: Way, port: number, send: string, check = 'check') =>
      [
        `frontend ${way}`,
        `  bind 127.0.0.1:${front[way]}`,
        `  default_backend ${way}`,
        `backend ${way}`,
        // Health checks as in deploy/ha/haproxy.cfg: they carry the header too (LOCAL, or UNKNOWN).
        `  server broker 127.0.0.1:${port} ${send} source ${HAPROXY_SOURCE} ${check} inter 300ms`,
      ].join('\n');
    haproxy = await startHaproxy(
      (d) =>
        [
          'global',
          `  stats socket ${d}/admin.sock level admin`,
          'defaults',
          '  mode tcp',
          '  timeout connect 5s',
          '  timeout client 1m',
          '  timeout server 1m',
          backend('v2', tcp.port, 'send-proxy-v2'),
          backend('v1', tcp.port, 'send-proxy'),
          backend('ws', ws.port, 'send-proxy-v2'),
          // A TLS handshake after the header; a bare TCP check would be a failed handshake to the broker.
          backend('tls', tlsAddress!.port, 'send-proxy-v2', 'check check-ssl verify none'),
          '',
        ].join('\n'),
      front.v2,
    );
  });
  afterAll(async () => {
    await haproxy?.stop();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const refused = (reason: RefusalReason) => broker.counters().refusals[reason] ?? 0;
  const logged = (reason: string) => captured.entries().filter((e) => e.reason === reason);

  /** A device through HAProxy's `way` frontend from `localAddress`; resolves once connected. */
  function deviceVia(way: Way, localAddress: string, password: string): Promise<MqttClient> {
    const options: IClientOptions = {
      clientId: `H-${way}`,
      username: `H-${way}`,
      password,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    };
    const host = '127.0.0.1';
    const client =
      way === 'ws'
        ? mqtt.connect(`ws://${host}:${front.ws}/mqtt`, { ...options, wsOptions: { localAddress } })
        : new MqttClient(
            () =>
              way === 'tls'
                ? tlsConnect({ ...{ host, port: front.tls, localAddress }, ca: tls.cert })
                : createConnection({ host, port: front[way], localAddress }),
            options,
          );
    return new Promise((resolve, reject) => {
      client.once('connect', () => resolve(client));
      client.once('error', (err) => {
        client.end(true);
        reject(err);
      });
      client.once('close', () => reject(new Error('closed before CONNACK')));
    });
  }

  it('passes the health checks, whose LOCAL and UNKNOWN headers are no refusal', async () => {
    const stat = async () => {
      const [head, ...rows] = (await haproxy.run('show stat')).trim().split('\n');
      const cols = head!.replace(/^# /, '').split(',');
      return rows
        .map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])))
        .filter((r) => r.svname === 'broker');
    };
    const deadline = Date.now() + 10_000;
    let servers = await stat();
    while (!servers.every((r) => r.status === 'UP') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      servers = await stat();
    }
    expect(servers.map((r) => [r.pxname, r.check_status])).toEqual(
      WAYS.map((way) => [way, way === 'tls' ? 'L6OK' : 'L4OK']),
    );
    // Several rounds of checks on every listener: none refused, none counted.
    await new Promise((r) => setTimeout(r, 1000));
    expect(broker.counters().refusals).toEqual({});
  });

  it.each([
    ['v2', '127.0.0.3'],
    ['v1', '127.0.0.4'],
    ['ws', '127.0.0.5'],
    ['tls', '127.0.0.6'],
  ] as const)("through send-proxy (%s) the broker sees the device's own address", async (way, address) => {
    // MQTT after the header arrives whole: the device connects and its QoS 1 publish is acknowledged.
    const dev = await deviceVia(way, address, SECRET);
    await dev.publishAsync(`fm/demo/lift/H-${way}/event`, '{"seq":1,"code":"alarm_button"}', { qos: 1 });
    await dev.endAsync();
    // Two failed authentications from the device's address: the second is banned, naming it.
    const bans = logged('address-ban').length;
    await expect(deviceVia(way, address, 'wrong-secret-0123')).rejects.toThrow();
    await expect(deviceVia(way, address, 'wrong-secret-0123')).rejects.toThrow();
    await until(() => logged('address-ban').length === bans + 1);
    expect(logged('address-ban').at(-1)).toMatchObject({ address });
    expect(logged('address-ban').map((e) => e.address)).not.toContain(HAPROXY_SOURCE);
  });

  it.each(['ws', 'tls'] as const)(
    'hands the %s server what came in the same read as the header (the handshake is not lost)',
    async (way) => {
      // The header and the client's first bytes written in one turn: the broker, in this process,
      // reads them together, and must put back what follows the header for the TLS or HTTP server.
      const withHeader = () => {
        const { ws, tls: tlsAddress } = broker.addresses;
        const raw = createConnection({ host: '127.0.0.1', port: way === 'ws' ? ws.port : tlsAddress!.port });
        raw.write(v2From('203.0.113.20'));
        return raw;
      };
      const options: IClientOptions = {
        clientId: `H-${way}`,
        username: `H-${way}`,
        password: SECRET,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
      };
      const client =
        way === 'ws'
          ? mqtt.connect(`ws://127.0.0.1:${broker.addresses.ws.port}/mqtt`, {
              ...options,
              wsOptions: { createConnection: withHeader },
            })
          : new MqttClient(
              () => tlsConnect({ socket: withHeader(), host: '127.0.0.1', ca: tls.cert }),
              options,
            );
      await new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject));
      await client.publishAsync(`fm/demo/lift/H-${way}/event`, '{"seq":2,"code":"alarm_button"}', { qos: 1 });
      await client.endAsync();
    },
  );

  it('refuses and counts a device that goes around HAProxy, on every listener', async () => {
    const before = refused('proxy-header');
    const { tcp, ws } = broker.addresses;
    for (const port of [tcp.port, ws.port]) {
      const socket = new Socket();
      const closed = new Promise((r) => socket.once('close', r));
      socket.on('error', () => {});
      socket.connect(port, '127.0.0.1', () =>
        socket.write(defaultConnect(4, { clientId: 'H-v2', username: 'H-v2', password: SECRET })),
      );
      await closed;
    }
    expect(refused('proxy-header')).toBe(before + 2);
  });

  it('closes and counts a header that does not arrive within the connect timeout', async () => {
    const before = refused('connect-timeout');
    const socket = new Socket();
    const closed = new Promise((r) => socket.once('close', r));
    socket.on('error', () => {});
    socket.connect(broker.addresses.tcp.port, '127.0.0.1', () =>
      socket.write(v2From('203.0.113.1').subarray(0, 20)),
    );
    await closed;
    expect(refused('connect-timeout')).toBe(before + 1);
    expect(logged('connect-timeout').at(-1)).toMatchObject({ waiting: 'PROXY protocol header' });
  });
});
