/**
 * `facility start --only`: the services split over two processes sharing PostgreSQL (here two
 * startServices in one test process: what matters is which services each one runs). The API
 * reports the services beside it, and only those; rules without the broker beside it reaches it
 * over MQTT.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/commands/start.ts';
import { loadConfig } from '../../src/config.ts';
import { type Services, startServices } from '../../src/platform.ts';
import { type RunningServer, startPostgres, tempDir } from '../support/servers.ts';
import { until } from './support.ts';

const SECRET = 'service-secret-for-only-0123456789';
const log = pino({ level: 'silent' });

describe('facility start --only', () => {
  const dirs = [tempDir('only-a'), tempDir('only-b')];
  let pg: RunningServer & { url: string };
  let brokerSide: Services;
  let apiSide: Services;
  const settings = (dir: string, extra: Record<string, string> = {}) =>
    loadConfig({
      FM_DATA_DIR: dir,
      DATABASE_URL: pg.url,
      FM_SERVICE_SECRET: SECRET,
      FM_MQTT_PORT: '0',
      FM_MQTT_WS_PORT: '0',
      FM_API_PORT: '0',
      FM_DEMO: 'false',
      ...extra,
    });

  beforeAll(async () => {
    pg = await startPostgres();
    brokerSide = await startServices({
      config: settings(dirs[0]!),
      log,
      demo: true, // asked for, but the demo needs every service in one process
      only: new Set(['broker', 'ingest']),
    });
    const tcp = brokerSide.broker!.addresses.tcp;
    apiSide = await startServices({
      config: settings(dirs[1]!, { FM_MQTT_URL: `mqtt://127.0.0.1:${tcp.port}`, FM_API_REPLICA_ID: 'a' }),
      log,
      demo: false,
      only: new Set(['rules', 'api']),
    });
  }, 120_000);
  afterAll(async () => {
    await apiSide?.stop();
    await brokerSide?.stop();
    await pg?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('runs only the services named, and says so on /health and /metrics', async () => {
    expect(brokerSide.api).toBeUndefined();
    expect(brokerSide.fleet).toBeUndefined();
    expect(apiSide.broker).toBeUndefined();
    expect(brokerSide.summary.join('\n')).toContain('services          broker, ingest (--only)');

    const health = async () =>
      (await fetch(`${apiSide.api!.address}/health`).then((r) => r.json())) as {
        services: Record<string, { status: string }>;
      };
    // The command sender goes with the API, which queues the commands it sends.
    expect(Object.keys((await health()).services).sort()).toEqual(['commands', 'rules', 'store']);
    // rules reaches the broker of the other process over MQTT.
    await until(async () => ((await health()).services.rules?.status === 'ok' ? true : undefined), 20_000);
    expect(brokerSide.broker!.counters().clientsConnected).toBeGreaterThanOrEqual(1);

    const token = readFileSync(join(dirs[1]!, 'admin-token'), 'utf8').trim();
    const metrics = await fetch(`${apiSide.api!.address}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((r) => r.text());
    expect(metrics).toContain('fm_service_up{service="rules"} 1');
    expect(metrics).not.toContain('service="broker"');
    expect(metrics).not.toContain('service="ingest"');
  }, 60_000);

  it('lets a device registered through one process connect to the broker of the other', async () => {
    await apiSide.records.addSite({ id: 'estate-o', name: 'Estate O' });
    const { secret } = await apiSide.records.addDevice({ id: 'lift-o1', site: 'estate-o', kind: 'lift' });
    const tcp = brokerSide.broker!.addresses.tcp;
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${tcp.port}`, {
      clientId: 'lift-o1',
      username: 'lift-o1',
      password: secret,
      reconnectPeriod: 0,
    });
    await device.endAsync();
  });

  it('gives each API replica its own command session, so replicas do not take it from each other', async () => {
    const tcp = brokerSide.broker!.addresses.tcp;
    const before = { ...brokerSide.broker!.counters() };
    const dir = tempDir('only-c');
    const replica = await startServices({
      config: settings(dir, { FM_MQTT_URL: `mqtt://127.0.0.1:${tcp.port}`, FM_API_REPLICA_ID: 'b' }),
      log,
      demo: false,
      only: new Set(['api']),
    });
    try {
      const broker = brokerSide.broker!;
      // Sharing one client id, each replica's reconnect (every second) ended the other's session:
      // the connects went on growing and one of the two was connected at any moment.
      await new Promise((r) => setTimeout(r, 2500));
      expect(broker.counters().connects - before.connects).toBe(1);
      expect(broker.counters().clientsConnected - before.clientsConnected).toBe(1);
    } finally {
      await replica.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('facility start --only, refused', () => {
  const attempt = async (only: string, env: Record<string, string> = {}) => {
    const err: string[] = [];
    const config = loadConfig({ FM_DATA_DIR: tempDir('only-refused'), FM_DEMO: 'false', ...env });
    try {
      const code = await run({ config, log, args: ['--only', only], out: () => {}, err: (l) => err.push(l) });
      return { code, err };
    } finally {
      rmSync(config.FM_DATA_DIR, { recursive: true, force: true });
    }
  };

  it('refuses a service it does not know, naming the ones it does', async () => {
    await expect(attempt('broker,ingset')).rejects.toThrow(
      '--only: unknown service ingset; the services are broker,ingest,rules,api',
    );
  });

  it('refuses ingest or rules without a broker beside them or FM_MQTT_URL', async () => {
    const { code, err } = await attempt('ingest,api');
    expect(code).toBe(1);
    expect(err.join('\n')).toContain('FM_MQTT_URL=null: ingest without the broker in this process');
  });
});
