import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DecodedMessage, decode } from '../../src/protocol/index.ts';
import {
  type Fleet,
  parseScenario,
  planFleet,
  runFleet,
  type SimDevice,
} from '../../src/simulators/index.ts';
import { type RunningServer, startMosquitto, tempDir } from '../support/servers.ts';

const SITE = 'demo';
const log = pino({ level: 'silent' });

/** Every message on the site, decoded with the contract; undecodable ones are kept apart. */
async function watch(
  port: number,
  password: string,
): Promise<{ client: MqttClient; seen: DecodedMessage[]; bad: string[] }> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    username: 'watcher',
    password,
    clientId: `w-${Math.random()}`,
  });
  const seen: DecodedMessage[] = [];
  const bad: string[] = [];
  client.on('message', (topic, payload) => {
    const r = decode(topic, payload);
    if (r.ok) seen.push(r.message);
    else bad.push(`${topic} ${r.reason}`);
  });
  await client.subscribeAsync(`fm/${SITE}/+/+/+`, { qos: 1 });
  return { client, seen, bad };
}

async function until(what: string, check: () => boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('fleet over a real mosquitto with device credentials', () => {
  let broker: RunningServer;
  let devices: SimDevice[];
  let fleet: Fleet;
  let watcher: Awaited<ReturnType<typeof watch>>;

  beforeAll(async () => {
    const plan = planFleet({ lifts: 1, pumps: 1, lighting: 1, cctv: 1 }, SITE);
    devices = plan.devices.map((d) => ({ ...d, interval_s: 10, secret: `secret-of-${d.deviceId}` }));
    // mosquitto started as root drops to its own user, which must be able to read the file.
    const dir = tempDir('passwd');
    chmodSync(dir, 0o755);
    const file = join(dir, 'passwd');
    execFileSync('mosquitto_passwd', ['-c', '-b', file, 'watcher', 'watcher-secret']);
    for (const d of devices) execFileSync('mosquitto_passwd', ['-b', file, d.deviceId, d.secret]);
    chmodSync(file, 0o644);
    broker = await startMosquitto([`password_file ${file}`]);
    watcher = await watch(broker.port, 'watcher-secret');
    const impostor: SimDevice = { deviceId: `${SITE}-L-9999`, kind: 'lift', secret: 'guessed' };
    fleet = await runFleet({
      brokerUrl: `mqtt://127.0.0.1:${broker.port}`,
      site: SITE,
      devices: [...devices, impostor],
      log,
      speed: 10, // a reading every second of wall time at a 10 s interval
      tickMs: 100,
      scenario: parseScenario([{ at: '+5s', device: 'kind:pump', fault: 'flooding', duration: '20s' }]),
    });
  });

  afterAll(async () => {
    await fleet?.stop();
    await watcher?.client.endAsync();
    await broker?.stop();
  });

  it('connects each device with its own credentials and publishes decodable telemetry and status', async () => {
    await until('telemetry from every device', () =>
      devices.every((d) => watcher.seen.some((m) => m.deviceId === d.deviceId && m.channel === 'telemetry')),
    );
    expect(watcher.bad).toEqual([]);
    for (const d of devices) {
      expect(
        watcher.seen.find((m) => m.deviceId === d.deviceId && m.channel === 'status')?.data,
      ).toMatchObject({ state: 'online', interval_s: 10 });
    }
    expect(watcher.seen.some((m) => m.deviceId === `${SITE}-L-9999`)).toBe(false);
    const stats = fleet.stats();
    expect(stats).toMatchObject({ devices: 5, connected: 4 });
    expect(stats.connectErrors).toBeGreaterThan(0); // the impostor is refused
    expect(stats.published).toBeGreaterThanOrEqual(8);
  });

  it('delivers scenario events at QoS 1: flooding raised then cleared', async () => {
    const pump = devices.find((d) => d.kind === 'pump')!.deviceId;
    const states = () =>
      watcher.seen
        .filter((m) => m.deviceId === pump && m.channel === 'event')
        .map((m) => (m.data as { code: string; state: string }).state);
    await until('flooding raised and cleared', () => states().join() === 'raised,cleared');
    const during = watcher.seen.filter(
      (m) =>
        m.deviceId === pump &&
        m.channel === 'telemetry' &&
        (m.data as { flood_detected: boolean }).flood_detected,
    );
    expect(during.length).toBeGreaterThan(0);
  });

  it('a device killed abruptly leaves its retained offline will, and comes back online', async () => {
    const lift = devices.find((d) => d.kind === 'lift')!.deviceId;
    const status = () =>
      watcher.seen
        .filter((m) => m.deviceId === lift && m.channel === 'status')
        .map((m) => (m.data as { state: string }).state);
    expect(fleet.inject(lift, 'offline', 'raise')).toBe(true);
    await until('the will', () => status().at(-1) === 'offline');
    // A subscriber arriving later still learns it from the retained message.
    const late = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
      username: 'watcher',
      password: 'watcher-secret',
    });
    const retained: string[] = [];
    late.on('message', (_t, payload, packet) => {
      if (packet.retain) retained.push(JSON.parse(payload.toString()).state);
    });
    await late.subscribeAsync(`fm/${SITE}/lift/${lift}/status`, { qos: 1 });
    await until('retained offline', () => retained.length > 0);
    expect(retained).toEqual(['offline']);
    await late.endAsync();
    expect(fleet.stats().connected).toBe(3);

    expect(fleet.inject(lift, 'offline', 'clear')).toBe(true);
    await until('back online', () => status().at(-1) === 'online');
    await until('connected again', () => fleet.stats().connected === 4);
  });
});
