import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { type Broker, type BrokerOptions, startBroker } from '../../src/broker/index.ts';
import type { Kind } from '../../src/protocol/topics.ts';
import { hashSecret } from '../../src/records/secrets.ts';
import type { DeviceChanges, DeviceDirectory, RegisteredDevice } from '../../src/records/types.ts';

export const SERVICE_SECRET = 'service-secret-for-tests-0123456789';
export const SECRET = 'device-secret-0123456789abcdef';

/**
 * An in-memory registry with real hashes; the real one is tested in tests/records. Revocations and
 * rotations go to a change feed, as the real one's do.
 */
export class MemoryDirectory implements DeviceDirectory {
  readonly devices = new Map<string, RegisteredDevice>();
  readonly #changes: string[] = [];
  lookups = 0;
  async add(deviceId: string, site: string, kind: Kind, secret = SECRET): Promise<void> {
    this.devices.set(deviceId, {
      deviceId,
      site,
      kind,
      building: null,
      intervalS: 10,
      secretHash: await hashSecret(secret),
      secretRotatedAt: null,
      revokedAt: null,
    });
  }
  /** Stores a hash as given (a legacy one, say). */
  setHash(deviceId: string, secretHash: string): void {
    this.devices.get(deviceId)!.secretHash = secretHash;
  }
  revoke(deviceId: string): void {
    this.devices.get(deviceId)!.revokedAt = new Date();
    this.#changes.push(deviceId);
  }
  async rotate(deviceId: string, secret: string): Promise<void> {
    const d = this.devices.get(deviceId)!;
    d.secretHash = await hashSecret(secret);
    d.secretRotatedAt = new Date();
    this.#changes.push(deviceId);
  }
  async findDevice(deviceId: string): Promise<RegisteredDevice | undefined> {
    this.lookups++;
    return this.devices.get(deviceId);
  }
  async changedDevices(cursor: string | undefined): Promise<DeviceChanges> {
    const from = cursor === undefined ? this.#changes.length : Number(cursor);
    const ids = this.#changes.slice(from);
    return { devices: ids.map((id) => this.devices.get(id)!), cursor: String(this.#changes.length) };
  }
  async upgradeSecretHash(deviceId: string, from: string, to: string): Promise<void> {
    const d = this.devices.get(deviceId);
    if (d?.secretHash === from) d.secretHash = to;
  }
}

/** A registry that computes devices from their ids (benchmarks): nothing is ever revoked. */
export function fixedDirectory(find: (deviceId: string) => RegisteredDevice | undefined): DeviceDirectory {
  return {
    findDevice: async (deviceId) => find(deviceId),
    changedDevices: async () => ({ devices: [], cursor: '' }),
    upgradeSecretHash: async () => {},
  };
}

export const testOptions: BrokerOptions = {
  host: '127.0.0.1',
  tcpPort: 0,
  wsPort: 0,
  tlsPort: 0,
  maxPacketBytes: 65_536,
  maxTopicLevels: 8,
  deviceRate: 1000,
  flapConnects: 15,
  authFailures: 30,
  flapWindowMs: 60_000,
  flapBanMs: 300_000,
  outboundQueueBytes: 1_048_576,
};

export async function brokerWith(
  directory: DeviceDirectory,
  options: Partial<BrokerOptions> = {},
): Promise<Broker> {
  return startBroker({
    options: { ...testOptions, ...options },
    log: pino({ level: 'silent' }),
    devices: directory,
    serviceSecret: SERVICE_SECRET,
  });
}

export function url(broker: Broker): string {
  return `mqtt://127.0.0.1:${broker.addresses.tcp.port}`;
}

/** Connects and resolves with the client, or rejects with the CONNACK refusal code. */
export function connect(broker: Broker, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url(broker), { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

export function device(broker: Broker, id: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return connect(broker, { clientId: id, username: id, password: SECRET, ...extra });
}

export function service(broker: Broker, name = 'ingest', extra: IClientOptions = {}): Promise<MqttClient> {
  return connect(broker, {
    clientId: `service.${name}`,
    username: `service.${name}`,
    password: SERVICE_SECRET,
    ...extra,
  });
}

export function refusalCode(promise: Promise<unknown>): Promise<number | string> {
  return promise.then(
    () => 'connected',
    (err: { code?: number; message: string }) => err.code ?? err.message,
  );
}

/** Collects messages a client receives. */
export type Received = { topic: string; payload: string };

/** The messages `client` receives, into `got`: pass it before the CONNACK when a session's queue may follow in the same read. */
export function collect(client: MqttClient, got: Received[] = []): Received[] {
  client.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }));
  return got;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** A throwaway self-signed certificate for 127.0.0.1, made with Debian's openssl. */
export function selfSigned(dir: string): { cert: string; key: string } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
    ].concat([
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]),
    { stdio: 'ignore' },
  );
  return {
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
  };
}
