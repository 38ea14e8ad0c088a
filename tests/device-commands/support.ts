/** A records store under the API, the platform's broker on loopback, the command sender and a simulated fleet. */
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { type Broker, startBroker } from '../../src/broker/index.ts';
import { type CommandSender, startCommandSender } from '../../src/device-commands/index.ts';
import { type Fleet, runFleet } from '../../src/simulators/index.ts';
import { openTestApi, silent, type TestApi } from '../api/support.ts';
import { testOptions } from '../broker/support.ts';

export const SERVICE_SECRET = 'service-secret-for-command-tests-0123';
export const SECRET = 'device-secret-for-command-tests-0123';
export const SITE = 'estate-c';

export interface Rig {
  api: TestApi;
  broker: Broker;
  url: string;
  fleet: Fleet;
  /** Everything devices publish, in order, as the broker's bus carries it. */
  seen: { topic: string; payload: string }[];
  startSender(): Promise<CommandSender>;
  close(): Promise<void>;
}

/** Fleet devices LC-1 (lighting) and L-1 (lift); P-9 and P-8 (pumps) registered, not simulated; LC-2 revoked. */
export async function openRig(): Promise<Rig> {
  const api = await openTestApi();
  api.clock.t = Date.now(); // the fleet reads the same clock; commands' deadlines are compared with it
  const { records } = api;
  await records.addSite({ id: SITE, name: 'Command Court' });
  for (const [id, kind] of [
    ['LC-1', 'lighting'],
    ['L-1', 'lift'],
    ['P-9', 'pump'],
    ['P-8', 'pump'],
    ['LC-2', 'lighting'],
  ] as const)
    await records.addDevice({ id, site: SITE, kind, secret: SECRET });
  await records.revokeDevice('LC-2');
  const broker = await startBroker({
    options: testOptions,
    log: silent,
    devices: records,
    serviceSecret: SERVICE_SECRET,
  });
  const url = `mqtt://127.0.0.1:${broker.addresses.tcp.port}`;
  const seen: Rig['seen'] = [];
  const online = new Set<string>();
  await broker.bus.subscribe('fm/#', (m, done) => {
    const payload = m.payload.toString();
    seen.push({ topic: m.topic, payload });
    if (m.topic.endsWith('/status') && payload.includes('"online"')) online.add(m.topic.split('/')[3]!);
    done();
  });
  const fleet = await runFleet({
    brokerUrl: url,
    site: SITE,
    log: silent,
    clock: () => api.clock.t,
    tickMs: 50,
    devices: [
      { deviceId: 'LC-1', kind: 'lighting', secret: SECRET },
      { deviceId: 'L-1', kind: 'lift', secret: SECRET },
    ],
  });
  // `online` follows the command subscription on each connection (src/simulators/fleet.ts).
  await waitUntil(() => online.has('LC-1') && online.has('L-1'));
  const senders: CommandSender[] = [];
  return {
    api,
    broker,
    url,
    fleet,
    seen,
    startSender: async () => {
      const sender = await startCommandSender({
        db: records.db,
        log: silent,
        now: () => api.clock.t,
        mqtt: { url, username: 'service.commands', password: SERVICE_SECRET, clientId: 'service.commands' },
        // Passes are driven by the commit notification and by the test; the timer stays out of the way.
        options: { pollMs: 60_000, publishTimeoutMs: 2000 },
      });
      senders.push(sender);
      return sender;
    },
    close: async () => {
      for (const s of senders) await s.stop().catch(() => {});
      await fleet.stop();
      await broker.stop();
      await api.close();
    },
  };
}

export async function waitUntil(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A device of its own (not the fleet): persistent session when `clean` is false. */
export function deviceClient(url: string, id: string, clean = true): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      clientId: id,
      username: id,
      password: SECRET,
      clean,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

export const someId = () => randomUUID();
