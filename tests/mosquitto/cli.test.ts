/**
 * `facility devices add|rotate|revoke` with FM_MOSQUITTO_* set: the secret goes to mosquitto from
 * the process that issued it, so a device registered from the command line gets in at once (the
 * commands run in-process here, on their own store, as the CLI runs them).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as devices } from '../../src/commands/devices.ts';
import { run as sites } from '../../src/commands/sites.ts';
import { loadConfig } from '../../src/config.ts';
import { dynsecFile } from '../../src/mosquitto/export.ts';
import { type RunningServer, startMosquitto, tempDir } from '../support/servers.ts';
import { migratedDataDir } from '../support/store.ts';

const SERVICE_SECRET = 'service-secret-cli-mosquitto-01234';
const ADMIN = { username: 'fm-dynsec-admin', password: 'admin-password-cli-0123456789' };

describe('facility devices, with mosquitto as the broker', () => {
  let mosquitto: RunningServer;
  const clients: MqttClient[] = [];
  const dataDir = migratedDataDir('cli-mosquitto');

  const facility = async (command: typeof devices, args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const config = loadConfig({
      FM_DATA_DIR: dataDir,
      FM_SERVICE_SECRET: SERVICE_SECRET,
      FM_MOSQUITTO_ADMIN_URL: `mqtt://127.0.0.1:${mosquitto.port}`,
      FM_MOSQUITTO_ADMIN_PASSWORD: ADMIN.password,
    });
    const code = await command({
      config,
      log: pino({ level: 'silent' }),
      args,
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    return { code, out, err, secret: out.find((l) => l.startsWith('secret: '))?.slice('secret: '.length) };
  };
  /** Resolves with the session, or rejects at once when refused: no retries, no waiting. */
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

  const closed = (c: MqttClient) =>
    new Promise<void>((resolve, reject) => {
      if (!c.connected) return resolve();
      const timer = setTimeout(() => reject(new Error('the session was not ended')), 3000);
      c.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });

  beforeAll(async () => {
    const dir = tempDir('cli-dynsec');
    const file = join(dir, 'dynamic-security.json');
    writeFileSync(
      file,
      JSON.stringify(dynsecFile({ accounts: [], serviceSecret: SERVICE_SECRET, admin: ADMIN })),
    );
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'mosquitto']).toString());
      const gid = Number(execFileSync('id', ['-g', 'mosquitto']).toString());
      chownSync(dir, uid, gid);
      chownSync(file, uid, gid);
    }
    mosquitto = await startMosquitto([
      'allow_anonymous false',
      'plugin /usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
      `plugin_opt_config_file ${file}`,
    ]);
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await mosquitto?.stop();
  });

  it('registers, rotates and revokes with mosquitto told before the command returns', async () => {
    expect((await facility(sites, ['add', 'estate-1', '--name', 'E1'])).code).toBe(0);
    const added = await facility(devices, ['add', '--site', 'estate-1', '--kind', 'lift', '--id', 'lift-1']);
    expect(added).toMatchObject({ code: 0, err: [] });
    expect(added.out).toContain('mosquitto: in step with the registry');
    const first = await connect('lift-1', added.secret!); // no waiting: it is already there

    const rotated = await facility(devices, ['rotate', 'lift-1']);
    expect(rotated).toMatchObject({ code: 0, err: [] });
    await closed(first); // kicked: mosquitto ends the session as it takes the new password
    await expect(connect('lift-1', added.secret!)).rejects.toThrow();
    const second = await connect('lift-1', rotated.secret!);

    expect((await facility(devices, ['revoke', 'lift-1'])).code).toBe(0);
    await closed(second);
    await expect(connect('lift-1', rotated.secret!)).rejects.toThrow();
  });
});
