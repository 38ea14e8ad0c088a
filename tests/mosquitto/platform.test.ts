/**
 * The platform with mosquitto as its broker: the services on mosquitto, the sync started from the
 * FM_MOSQUITTO_* settings, a device registered and revoked through the API.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { dynsecFile } from '../../src/mosquitto/export.ts';
import { type Platform, startPlatform } from '../../src/platform.ts';
import { type RunningServer, startMosquitto, tempDir } from '../support/servers.ts';
import { migratedDataDir } from '../support/store.ts';

const SERVICE_SECRET = 'service-secret-platform-mosquitto-0';
const ADMIN = { username: 'fm-dynsec-admin', password: 'admin-password-platform-0123' };

async function until(what: string, ok: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the platform on mosquitto', () => {
  const dataDir = migratedDataDir('platform-mosquitto');
  const fileDir = tempDir('platform-dynsec');
  let mosquitto: RunningServer;
  let platform: Platform;
  let token: string;
  const clients: MqttClient[] = [];
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${platform.api.address}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const connect = (id: string, password: string) =>
    new Promise<MqttClient>((resolve, reject) => {
      const c = mqtt.connect(`mqtt://127.0.0.1:${mosquitto.port}`, {
        clientId: id,
        username: id,
        password,
        protocolVersion: 5,
        reconnectPeriod: 0,
      });
      clients.push(c);
      c.once('connect', () => resolve(c));
      c.once('error', reject);
    });

  beforeAll(async () => {
    const file = join(fileDir, 'dynamic-security.json');
    writeFileSync(
      file,
      JSON.stringify(dynsecFile({ accounts: [], serviceSecret: SERVICE_SECRET, admin: ADMIN })),
    );
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'mosquitto']).toString());
      const gid = Number(execFileSync('id', ['-g', 'mosquitto']).toString());
      chownSync(fileDir, uid, gid);
      chownSync(file, uid, gid);
    }
    mosquitto = await startMosquitto([
      'allow_anonymous false',
      'plugin /usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
      `plugin_opt_config_file ${file}`,
    ]);
    const config = loadConfig({
      FM_DATA_DIR: dataDir,
      FM_MQTT_PORT: '0',
      FM_MQTT_WS_PORT: '0',
      FM_API_PORT: '0',
      FM_SERVICE_SECRET: SERVICE_SECRET,
      FM_MQTT_URL: `mqtt://127.0.0.1:${mosquitto.port}`,
      FM_MOSQUITTO_ADMIN_URL: `mqtt://127.0.0.1:${mosquitto.port}`,
      FM_MOSQUITTO_ADMIN_USER: ADMIN.username,
      FM_MOSQUITTO_ADMIN_PASSWORD: ADMIN.password,
    });
    platform = await startPlatform({ config, log: pino({ level: 'silent' }), demo: false });
    token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await platform?.stop();
    await mosquitto?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(fileDir, { recursive: true, force: true });
  });

  it('reports the sync in /health, with ingest and rules on mosquitto as service accounts', async () => {
    await until('every service ok', async () => {
      const body = (await (await fetch(`${platform.api.address}/health`)).json()) as {
        services: Record<string, { status: string }>;
      };
      return ['mosquitto-sync', 'ingest', 'rules'].every((s) => body.services[s]?.status === 'ok');
    });
  });

  it('lets a device registered through the API into mosquitto within seconds, and out when revoked', async () => {
    expect((await api('POST', '/sites', { id: 'estate-1', name: 'Estate 1' })).status).toBe(201);
    const res = await api('POST', '/devices', { id: 'lift-1', site: 'estate-1', kind: 'lift' });
    expect(res.status).toBe(201);
    const { password } = (await res.json()) as { password: string };
    let session: MqttClient | undefined;
    await until('lift-1 connects', () =>
      connect('lift-1', password).then(
        (c) => {
          session = c;
          return true;
        },
        () => false,
      ),
    );
    await session!.publishAsync('fm/estate-1/lift/lift-1/status', 'online', { qos: 1, retain: true });
    const gone = new Promise<void>((r) => session!.once('close', () => r()));
    expect((await api('POST', '/devices/lift-1/revoke')).status).toBe(200);
    await gone;
    await expect(connect('lift-1', password)).rejects.toThrow();
  });
});
