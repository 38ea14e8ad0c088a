/**
 * The registry kept in step with a real mosquitto 2.0 (Debian's) and its dynamic security plugin:
 * devices connect, rotate, are revoked and drift is repaired, checked by connecting as the devices.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDynsec } from '../../src/mosquitto/control.ts';
import { dynsecFile } from '../../src/mosquitto/export.ts';
import { type DynsecSync, startDynsecSync } from '../../src/mosquitto/sync.ts';
import { rotateDeviceSecret } from '../../src/records/devices.ts';
import { openRecords, type Records } from '../../src/records/index.ts';
import {
  freePort,
  type RunningServer,
  startMosquitto,
  tempDir,
  writeForMosquitto,
} from '../support/servers.ts';
import { migratedDataDir } from '../support/store.ts';

const PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';
const SERVICE_SECRET = 'service-secret-for-dynsec-tests-01';
const ADMIN = { username: 'fm-admin', password: 'admin-password-for-dynsec-tests-0' };
const S0 = 'lift-0-secret-0123456789abcdefghij';
const log = pino({ level: process.env.DEBUG_LOG ? 'debug' : 'silent' });

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('mosquitto dynamic security, kept in step with the registry', () => {
  let records: Records;
  let mosquitto: RunningServer;
  let sync: DynsecSync;
  let port: number;
  let file: string;
  const open: MqttClient[] = [];

  /** Connects as a device (MQTT 5); rejects with mosquitto's CONNACK reason code. */
  const connect = (id: string, password: string, username = id): Promise<MqttClient> =>
    new Promise((resolve, reject) => {
      const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
        clientId: id,
        username,
        password,
        protocolVersion: 5,
        reconnectPeriod: 0,
        connectTimeout: 3000,
      });
      open.push(c);
      c.once('connect', () => resolve(c));
      c.once('error', (err: Error & { code?: number }) => {
        c.end(true);
        reject(Object.assign(new Error(`refused ${err.code}`), { code: err.code }));
      });
    });
  const refused = (id: string, password: string) =>
    connect(id, password).then(
      () => false,
      () => true,
    );
  const closed = (c: MqttClient) =>
    new Promise<void>((r) => (c.disconnected ? r() : c.once('close', () => r())));
  const mosquittoConfig = () => [
    'allow_anonymous false',
    `plugin ${PLUGIN}`,
    `plugin_opt_config_file ${file}`,
  ];
  /** Rebuilds mosquitto's file from the registry and starts it again on the same port. */
  const rebuildAndRestart = async () => {
    await mosquitto.stop();
    const existing = JSON.parse(readFileSync(file, 'utf8'));
    const accounts = await records.brokerAccounts();
    writeForMosquitto(file, dynsecFile({ accounts, serviceSecret: SERVICE_SECRET, admin: ADMIN, existing }));
    mosquitto = await startMosquitto(mosquittoConfig(), port);
    await until('the sync is connected again', () => !sync.health().detail?.startsWith('not connected'));
  };

  beforeAll(async () => {
    records = await openRecords({ dataDir: migratedDataDir('dynsec'), log });
    await records.addSite({ id: 'estate-1', name: 'Estate 1' });
    // Registered before mosquitto runs: mosquitto learns it from the file rebuilt from the registry.
    await records.addDevice({ id: 'lift-0', site: 'estate-1', kind: 'lift', secret: S0 });
    file = join(tempDir('dynsec'), 'dynamic-security.json');
    const accounts = await records.brokerAccounts();
    writeForMosquitto(file, dynsecFile({ accounts, serviceSecret: SERVICE_SECRET, admin: ADMIN }));
    port = await freePort();
    mosquitto = await startMosquitto(mosquittoConfig(), port);
    sync = await startDynsecSync({
      admin: { url: `mqtt://127.0.0.1:${port}`, ...ADMIN },
      records,
      serviceSecret: SERVICE_SECRET,
      log,
      checkMs: 60_000, // the tests call check() where they need a full comparison
      followMs: 200,
    });
    await until('the sync is connected and in step', () => sync.health().status === 'ok');
  });
  afterAll(async () => {
    for (const c of open) c.end(true);
    await sync?.stop();
    await mosquitto?.stop();
    await records?.close();
  });

  it('lets a device from the rebuilt file in with its secret, and only to its own topics', async () => {
    expect(await refused('lift-0', 'wrong-secret-0123456789abcdefgh')).toBe(true);
    const service = await connect('service.ingest-1', SERVICE_SECRET, 'service.ingest');
    const sub = await service.subscribeAsync('$share/ingest/fm/+/+/+/telemetry', { qos: 1 });
    expect(sub[0]!.qos).toBe(1);
    const got = new Promise<string>((r) => service.once('message', (topic) => r(topic)));
    const lift = await connect('lift-0', S0);
    await lift.publishAsync('fm/estate-1/lift/lift-0/telemetry', '{"seq":1}', { qos: 1 });
    expect(await got).toBe('fm/estate-1/lift/lift-0/telemetry');
    // Refused in the SUBACK (MQTT 5 0x87), which mqtt.js turns into an error.
    await expect(lift.subscribeAsync('fm/estate-1/lift/lift-9/command', { qos: 1 })).rejects.toThrow(
      /Not authorized/,
    );
    const own = await lift.subscribeAsync('fm/estate-1/lift/lift-0/command', { qos: 1 });
    expect(own[0]!.qos).toBe(1);
    // PUBACK 0x87 (MQTT 5 "not authorized"), an error to mqtt.js.
    await expect(lift.publishAsync('fm/estate-1/lift/lift-9/telemetry', '{}', { qos: 1 })).rejects.toThrow(
      /Not authorized/,
    );
  });

  it('lets a new device in within seconds of its registration', async () => {
    const { secret } = await records.addDevice({ id: 'lift-1', site: 'estate-1', kind: 'lift' });
    await until(
      'lift-1 connects',
      () =>
        connect('lift-1', secret).then(
          () => true,
          () => false,
        ),
      5000,
    );
  });

  it('ends the session of a rotated secret; the old secret fails and the new one works', async () => {
    const { secret: old } = await records.addDevice({ id: 'lift-2', site: 'estate-1', kind: 'lift' });
    await until(
      'lift-2 connects',
      () =>
        connect('lift-2', old).then(
          () => true,
          () => false,
        ),
      5000,
    );
    const session = open.at(-1)!;
    const fresh = await records.rotateDeviceSecret('lift-2');
    await closed(session);
    expect(await refused('lift-2', old)).toBe(true);
    await until(
      'the new secret works',
      () =>
        connect('lift-2', fresh).then(
          () => true,
          () => false,
        ),
      5000,
    );
  });

  it('kicks a revoked device, which cannot reconnect', async () => {
    const { secret } = await records.addDevice({ id: 'lift-3', site: 'estate-1', kind: 'lift' });
    await until(
      'lift-3 connects',
      () =>
        connect('lift-3', secret).then(
          () => true,
          () => false,
        ),
      5000,
    );
    const session = open.at(-1)!;
    await records.revokeDevice('lift-3');
    await closed(session);
    expect(await refused('lift-3', secret)).toBe(true);
  });

  it('disables a device rotated where its secret could not reach mosquitto: the old secret stops working', async () => {
    const { secret } = await records.addDevice({ id: 'lift-4', site: 'estate-1', kind: 'lift' });
    await until(
      'lift-4 connects',
      () =>
        connect('lift-4', secret).then(
          () => true,
          () => false,
        ),
      5000,
    );
    // As another process would (the CLI on PostgreSQL): no secret reaches this process's sync.
    const elsewhere = await rotateDeviceSecret(records.db, 'lift-4', new Date());
    await closed(open.at(-1)!);
    expect(await refused('lift-4', secret)).toBe(true);
    expect(sync.health()).toMatchObject({ status: 'degraded', detail: expect.stringContaining('lift-4') });
    // The rebuilt file gives mosquitto the registry's hash of the new secret.
    await rebuildAndRestart();
    await until('lift-4 gets in with the new secret', () =>
      connect('lift-4', elsewhere).then(
        () => true,
        () => false,
      ),
    );
    await until('the sync is in step', async () => {
      await sync.check();
      return sync.health().status === 'ok';
    });
  });

  it('repairs drift: a role widened and a client deleted behind its back', async () => {
    const admin = connectDynsec({ url: `mqtt://127.0.0.1:${port}`, ...ADMIN, clientId: 'operator' }, log);
    await until('operator connected', () => admin.connected());
    await admin.send([
      {
        command: 'modifyRole',
        rolename: 'fm-device-lift-1',
        acls: [{ acltype: 'subscribePattern', topic: '#', allow: true }],
      },
      { command: 'deleteClient', username: 'lift-0' },
    ]);
    expect(await refused('lift-0', S0)).toBe(true);
    await sync.check();
    const [role] = await admin.send([{ command: 'getRole', rolename: 'fm-device-lift-1' }]);
    const acls = (role!.data!.role as { acls: { topic: string }[] }).acls.map((a) => a.topic).sort();
    expect(acls).toEqual([
      'fm/estate-1/lift/lift-1/command',
      'fm/estate-1/lift/lift-1/event',
      'fm/estate-1/lift/lift-1/reply',
      'fm/estate-1/lift/lift-1/status',
      'fm/estate-1/lift/lift-1/telemetry',
    ]);
    // The deleted client's secret is nowhere but in the device: said plainly, then restored from the file.
    expect(sync.health()).toMatchObject({ status: 'degraded', detail: expect.stringContaining('lift-0') });
    await admin.close();
    await rebuildAndRestart();
    await until('lift-0 is back', () =>
      connect('lift-0', S0).then(
        () => true,
        () => false,
      ),
    );
    await until('the sync is in step again', async () => {
      await sync.check();
      return sync.health().status === 'ok';
    });
  });
});
