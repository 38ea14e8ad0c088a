import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { type Platform, startPlatform } from '../../src/platform.ts';
import { type RunningServer, startMosquitto } from '../support/servers.ts';
import { migratedDataDir } from '../support/store.ts';

/** /health tells the truth: with the broker gone, fault detection is down and readiness fails. */
describe('platform health', () => {
  const dataDir = migratedDataDir('health');
  let mosquitto: RunningServer;
  let platform: Platform;
  const health = async () => {
    const res = await fetch(`${platform.api.address}/health`);
    return {
      code: res.status,
      body: (await res.json()) as { status: string; services: Record<string, { status: string }> },
    };
  };

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    const config = loadConfig({
      FM_DATA_DIR: dataDir,
      FM_MQTT_PORT: '0',
      FM_MQTT_WS_PORT: '0',
      FM_API_PORT: '0',
      FM_MQTT_URL: `mqtt://127.0.0.1:${mosquitto.port}`,
    });
    platform = await startPlatform({ config, log: pino({ level: 'silent' }), demo: false });
  }, 120_000);
  afterAll(async () => {
    await platform?.stop();
    await mosquitto?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports every service, and fails readiness once rules has lost the broker', async () => {
    const before = await health();
    expect(before.code).toBe(200);
    expect(Object.keys(before.body.services).sort()).toEqual([
      'broker',
      'commands',
      'ingest',
      'rules',
      'store',
    ]);
    expect(before.body.services.rules?.status).toBe('ok');

    await mosquitto.stop();
    const deadline = Date.now() + 30_000;
    let after = await health();
    const down = () =>
      after.body.services.rules?.status === 'down' && after.body.services.ingest?.status === 'down';
    while (!down() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      after = await health();
    }
    expect(after.code).toBe(503);
    expect(after.body.status).toBe('unavailable');
    expect(after.body.services.rules).toMatchObject({ status: 'down' });
    expect(after.body.services.ingest).toMatchObject({ status: 'down' });
    expect(after.body.services.store?.status).toBe('ok');

    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const metrics = await fetch(`${platform.api.address}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await metrics.text()).toContain('fm_service_up{service="rules"} 0');
  }, 60_000);
});
