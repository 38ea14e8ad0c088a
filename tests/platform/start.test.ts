import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as ingestCommand } from '../../src/commands/ingest.ts';
import { loadConfig } from '../../src/config.ts';
import { demoDevices } from '../../src/demo/estate.ts';
import { type Platform, startPlatform } from '../../src/platform.ts';
import { migratedDataDir } from '../support/store.ts';
import { until } from './support.ts';

/** The one-command start, in process: every service, the demo estate, a fault through to the front desk. */
describe('facility start', () => {
  const dataDir = migratedDataDir('platform');
  let platform: Platform;
  let token: string;
  const api = async (path: string) => {
    const res = await fetch(`${platform.api.address}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    return res.json() as Promise<Record<string, unknown>>;
  };

  beforeAll(async () => {
    const config = loadConfig({
      FM_DATA_DIR: dataDir,
      FM_MQTT_PORT: '0',
      FM_MQTT_WS_PORT: '0',
      FM_API_PORT: '0',
      FM_LANG: 'en',
    });
    platform = await startPlatform({ config, log: pino({ level: 'silent' }), demo: true });
    token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('connects every demo device and the services to the secured broker', async () => {
    const devices = demoDevices().length;
    // every device and the command sender (service.commands); ingest and rules read the broker's
    // bus in this process, without a connection
    await until(
      () => (platform.broker.counters().clientsConnected >= devices + 1 ? true : undefined),
      60_000,
    );
    await until(() => (platform.broker.counters().messagesIn > devices ? true : undefined), 30_000);
    expect(platform.broker.counters().refusals).toEqual({});
    expect(platform.broker.counters().clientsConnected).toBe(devices + 1);
    const metrics = await fetch(`${platform.api.address}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((r) => r.text());
    expect(Number(/^fm_ingest_messages_received_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(devices);
    expect(metrics).toMatch(/^fm_ingest_broker_connected 1$/m);
    expect(metrics).toMatch(/^fm_service_up\{service="rules"\} 1$/m);
    expect(metrics).toMatch(/^process_cpu_seconds_total \d/m);
    // Prometheus's own linter: HELP and TYPE for every family, base units, counters ending _total.
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
    // Every family the platform reports is documented.
    const documented = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
    for (const [, family] of metrics.matchAll(/^# HELP (fm_\w+)/gm))
      expect(documented).toContain(`\`${family}\``);
    const sites = (await api('/sites')) as unknown as { id: string }[] | { sites: { id: string }[] };
    expect(JSON.stringify(sites)).toContain('"demo"');
  }, 120_000);

  it('shows what a device sends without InfluxDB: status, last readings and the recent window', async () => {
    const status = await until(async () => {
      const s = await api('/devices/L-B1-1/status-and-last-readings');
      return s.lastReadingAt ? s : undefined;
    }, 30_000);
    expect(status).toMatchObject({ status: 'online', heartbeatLost: false });
    expect(typeof (status.readings as Record<string, unknown>).speed_mps).toBe('number');
    const from = new Date(Date.now() - 600_000).toISOString();
    const history = await api(`/devices/L-B1-1/history?from=${from}&fields=speed_mps`);
    expect((history.points as unknown[]).length).toBeGreaterThan(0);
    const health = (await fetch(`${platform.api.address}/health`).then((r) => r.json())) as {
      history: string;
    };
    expect(health.history).toBe('last-hour');
  });

  it('sends a demo device a command through the broker and records its answer', async () => {
    const res = await fetch(`${platform.api.address}/devices/L-B1-1/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'report-now' }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const answered = await until(async () => {
      const { items } = (await api('/devices/L-B1-1/commands')) as { items: { id: string; state: string }[] };
      const c = items.find((x) => x.id === id);
      return c && c.state !== 'queued' && c.state !== 'sent' ? c : undefined;
    }, 15_000);
    expect(answered).toMatchObject({ state: 'answered', result: 'done' });
  });

  it('turns a simulated entrapment into an emergency repair record and a patrol alert', async () => {
    expect(platform.fleet!.inject('L-B1-1', 'entrapment', 'raise')).toBe(true);
    const record = await until(async () => {
      const page = (await api('/records?site=demo&deviceId=L-B1-1')) as { items: Record<string, unknown>[] };
      return page.items.find((r) => r.faultCode === 'entrapment');
    }, 30_000);
    expect(record).toMatchObject({ deviceId: 'L-B1-1', priority: 'emergency', type: 'repair' });
    const alerts = await until(async () => {
      const page = (await api('/alerts?site=demo')) as { items: Record<string, unknown>[] };
      return page.items.find((a) => a.deviceId === 'L-B1-1');
    }, 30_000);
    expect(alerts).toBeDefined();
  }, 90_000);

  it('watches a device registered through the API while running, without waiting for a reload', async () => {
    const res = await fetch(`${platform.api.address}/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'L-NEW',
        site: 'demo',
        kind: 'lift',
        building: 'B2',
        location: 'B2 goods lift',
      }),
    });
    expect(res.status).toBe(201);
    const creds = (await res.json()) as { username: string; password: string; clientId: string };
    const { port } = platform.broker.addresses.tcp;
    const lift = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { ...creds, reconnectPeriod: 0 });
    await lift.publishAsync('fm/demo/lift/L-NEW/event', '{"seq":1,"code":"alarm_button"}', { qos: 1 });
    const record = await until(async () => {
      const page = (await api('/records?site=demo&deviceId=L-NEW')) as { items: Record<string, unknown>[] };
      return page.items.find((r) => r.faultCode === 'alarm_button');
    }, 20_000);
    expect(record).toMatchObject({ deviceId: 'L-NEW' });
    await lift.endAsync();
  }, 60_000);

  it('shows what ingest refused through the API, and keeps running', async () => {
    const creds = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as {
      deviceId: string;
      secret: string;
    }[];
    const pump = creds.find((c) => c.deviceId === 'P-1')!;
    const { port } = platform.broker.addresses.tcp;
    const client = await mqtt
      .connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: 'P-1-test',
        username: pump.deviceId,
        password: pump.secret,
        reconnectPeriod: 0,
      })
      .catch((err: Error) => err);
    // the client id must be the device id: refused
    expect(client).toBeInstanceOf(Error);
    const dev = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: 'P-1',
      username: 'P-1',
      password: pump.secret,
      reconnectPeriod: 0,
    });
    await dev.publishAsync('fm/demo/pump/P-1/telemetry', '{"seq": 1, "outlet_pressure_mpa": "high"', {
      qos: 1,
    });
    await dev.publishAsync('fm/demo/pump/P-1/telemetry', '{"seq": 2, "outlet_pressure_mpa": "high"}', {
      qos: 1,
    });
    const rejects = await until(async () => {
      const page = (await api('/ingest/rejects?device=P-1')) as { items: { reason: string }[] };
      return page.items.length >= 2 ? page.items : undefined;
    }, 20_000);
    expect(rejects.map((r) => r.reason).sort()).toEqual(['invalid-fields', 'not-json']);
    // and through the CLI, which asks the running API
    const out: string[] = [];
    const code = await ingestCommand({
      config: loadConfig({ FM_DATA_DIR: dataDir, FM_API_PORT: new URL(platform.api.address).port }),
      log: pino({ level: 'silent' }),
      args: ['rejects', '--device', 'P-1'],
      out: (line) => out.push(line),
      err: (line) => out.push(line),
    });
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/not-json\s+fm\/demo\/pump\/P-1\/telemetry/);
    await dev.endAsync();
  }, 60_000);
});
