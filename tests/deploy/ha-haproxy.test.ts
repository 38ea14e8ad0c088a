/**
 * deploy/ha/haproxy.cfg itself, run by Debian's HAProxy in front of two brokers set as
 * deploy/ha/systemd/broker.env.example sets them (FM_MQTT_PROXY_PROTOCOL): only its addresses and
 * ports are changed, to free ones on 127.0.0.1, and its connection limit. Its health checks must pass without a refusal, and
 * the brokers must see each device's own address through its `send-proxy-v2`. Devices connect from
 * 127.0.0.3 and 127.0.0.4, so an address of theirs in a broker's log came from the header.
 */
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type Broker, startBroker } from '../../src/broker/index.ts';
import { loadConfig } from '../../src/config.ts';
import { MemoryDirectory, SECRET, SERVICE_SECRET, testOptions, until } from '../broker/support.ts';
import { type CapturedLog, captureLog } from '../support/log.ts';
import { freePort, type RunningServer, startHaproxy } from '../support/servers.ts';

const repo = (path: string) => new URL(`../../${path}`, import.meta.url).pathname;
const brokerEnv = new Map(
  readFileSync(repo('deploy/ha/systemd/broker.env.example'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

/** `text` with `from` replaced by `to` everywhere; fails when `from` is not there (the file changed). */
function swap(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`deploy/ha/haproxy.cfg no longer has ${from}: update this test`);
  return text.replaceAll(from, to);
}

/** A server's address as haproxy.cfg writes it, `"${NODE_A_ADDR}:1884"`. */
const server = (node: string, port: number) => `"\${${node}}:${port}"`;

interface Node {
  broker: Broker;
  captured: CapturedLog;
}

describe('deploy/ha/haproxy.cfg in front of two brokers', () => {
  const directory = new MemoryDirectory();
  const nodes: Node[] = [];
  const front = { mqtt: 0, ws: 0, api: 0, monitor: 0 };
  let haproxy: RunningServer;

  beforeAll(async () => {
    await directory.add('HA-1', 'demo', 'lift');
    const proxyProtocol = loadConfig({
      FM_MQTT_PROXY_PROTOCOL: brokerEnv.get('FM_MQTT_PROXY_PROTOCOL') ?? '',
    }).FM_MQTT_PROXY_PROTOCOL;
    for (let i = 0; i < 2; i++) {
      const captured = captureLog('info');
      const broker = await startBroker({
        options: { ...testOptions, proxyProtocol, connectTimeoutMs: 500 },
        log: captured.log,
        devices: directory,
        serviceSecret: SERVICE_SECRET,
      });
      nodes.push({ broker, captured });
    }
    for (const k of Object.keys(front) as (keyof typeof front)[]) front[k] = await freePort();
    const [a, b] = nodes.map((n) => n.broker.addresses) as [Broker['addresses'], Broker['addresses']];
    let cfg = readFileSync(repo('deploy/ha/haproxy.cfg'), 'utf8');
    cfg = swap(cfg, 'bind :1883', `bind 127.0.0.1:${front.mqtt}`);
    cfg = swap(cfg, 'bind :8083', `bind 127.0.0.1:${front.ws}`);
    cfg = swap(cfg, 'bind :8080', `bind 127.0.0.1:${front.api}`);
    cfg = swap(cfg, 'bind 127.0.0.1:8404', `bind 127.0.0.1:${front.monitor}`);
    cfg = swap(cfg, server('NODE_A_ADDR', 1884), `"127.0.0.1:${a.tcp.port}"`);
    cfg = swap(cfg, server('NODE_B_ADDR', 1884), `"127.0.0.1:${b.tcp.port}"`);
    cfg = swap(cfg, server('NODE_A_ADDR', 8084), `"127.0.0.1:${a.ws.port}"`);
    cfg = swap(cfg, server('NODE_B_ADDR', 8084), `"127.0.0.1:${b.ws.port}"`);
    // No API here: its backend's servers are simply down.
    cfg = swap(cfg, server('NODE_A_ADDR', 8081), `"127.0.0.1:${await freePort()}"`);
    cfg = swap(cfg, server('NODE_B_ADDR', 8081), `"127.0.0.1:${await freePort()}"`);
    // Room for 100,000 connections needs twice as many file descriptors: more than a test machine
    // allows (HAProxy refuses to start), and more than this test opens.
    cfg = swap(cfg, 'maxconn 100000', 'maxconn 1000');
    haproxy = await startHaproxy(() => cfg, front.mqtt);
  });
  afterAll(async () => {
    await haproxy?.stop();
    for (const n of nodes) await n.broker.stop();
  });

  /** HAProxy's statistics (`/stats;csv` on its monitor frontend), one object per server. */
  async function servers(): Promise<Record<string, string>[]> {
    const csv = await (await fetch(`http://127.0.0.1:${front.monitor}/stats;csv`)).text();
    const [head, ...rows] = csv.trim().split('\n');
    const cols = head!.replace(/^# /, '').split(',');
    return rows
      .map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i]!, v])))
      .filter((r) => /^node-[ab]$/.test(r.svname!));
  }
  /** What the two brokers logged for `reason`. */
  const logged = (reason: string) =>
    nodes.flatMap((n) => n.captured.entries().filter((e) => e.reason === reason));

  it("passes HAProxy's checks of both brokers over TCP and WebSocket, which are no refusal", async () => {
    const up = (rows: Record<string, string>[]) =>
      rows.filter((r) => r.pxname!.startsWith('brokers') && r.status === 'UP' && r.check_status === 'L4OK');
    const deadline = Date.now() + 15_000;
    while (up(await servers()).length < 4 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(
      up(await servers())
        .map((r) => `${r.pxname}/${r.svname}`)
        .sort(),
    ).toEqual(['brokers-ws/node-a', 'brokers-ws/node-b', 'brokers/node-a', 'brokers/node-b']);
    // Another round of checks (every 2 s): each sent its PROXY header (LOCAL), none was refused.
    await new Promise((r) => setTimeout(r, 2500));
    for (const n of nodes) expect(n.broker.counters().refusals).toEqual({});
  });

  it('lets a device in through the MQTT frontend, its bytes after the header intact', async () => {
    const client = new MqttClient(
      () => createConnection({ host: '127.0.0.1', port: front.mqtt, localAddress: '127.0.0.3' }),
      { clientId: 'HA-1', username: 'HA-1', password: SECRET, reconnectPeriod: 0, connectTimeout: 10_000 },
    );
    await new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject));
    await client.publishAsync('fm/demo/lift/HA-1/event', '{"seq":1,"code":"alarm_button"}', { qos: 1 });
    await client.endAsync();
  });

  it("names the device's own address in a broker's refusals, over TCP and over WebSocket", async () => {
    // Over TCP: a connection that sends no CONNECT, refused at the connect timeout.
    const idle = createConnection({ host: '127.0.0.1', port: front.mqtt, localAddress: '127.0.0.3' });
    idle.on('error', () => {});
    await until(() => logged('connect-timeout').length === 1, 10_000);
    expect(logged('connect-timeout')[0]).toMatchObject({ remote: '127.0.0.3' });
    idle.destroy();
    // Over WebSocket: a text frame, which MQTT does not allow [MQTT-6.0.0-1].
    const ws = new WebSocket(`ws://127.0.0.1:${front.ws}/mqtt`, 'mqtt', { localAddress: '127.0.0.4' });
    ws.on('error', () => {});
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send('not MQTT');
    await until(() => logged('protocol-violation').length === 1, 10_000);
    expect(logged('protocol-violation')[0]).toMatchObject({ remote: '127.0.0.4' });
    ws.terminate();
  });
});
