import { createHash, timingSafeEqual } from 'node:crypto';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { type DeviceAddress, devicePrefix, deviceTopic } from '../protocol/topics.ts';
import { verifySecret } from '../records/secrets.ts';
import type { DeviceDirectory } from '../records/types.ts';
import type { BrokerStats, RefusalReason } from './counters.ts';

/** Who is behind a connection, decided once at CONNECT and read by the ACL on every packet. */
export type Principal =
  | { type: 'device'; address: DeviceAddress; prefix: string; commandTopic: string }
  | { type: 'service'; name: string };

export const principals = new WeakMap<Client, Principal>();

/** Service accounts: `service.<name>` ('.' is not allowed in device ids, and mosquitto's password file takes it); client id = username, optionally `-suffix`. */
const SERVICE_USER = /^service\.[a-z][a-z0-9-]{0,31}$/;

// CONNACK return codes, MQTT 3.1.1 §3.2.2.3.
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/**
 * EMQX-style flapping detection: more than `max` connects of one client id within `windowMs` bans
 * it for `banMs`. Counted before credentials are checked, so it also slows password guessing.
 */
export class FlapDetector {
  readonly #entries = new Map<string, { windowStart: number; count: number; bannedUntil: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly banMs: number,
  ) {}

  /** Records a connect; true when the client id is (now) banned. */
  connect(clientId: string, now: number): boolean {
    let e = this.#entries.get(clientId);
    if (!e || (now - e.windowStart > this.windowMs && now >= e.bannedUntil)) {
      if (this.#entries.size >= 100_000) this.#prune(now);
      e = { windowStart: now, count: 0, bannedUntil: 0 };
      this.#entries.set(clientId, e);
    }
    if (now < e.bannedUntil) return true;
    e.count++;
    if (e.count > this.max) {
      e.bannedUntil = now + this.banMs;
      return true;
    }
    return false;
  }

  #prune(now: number): void {
    for (const [id, e] of this.#entries) {
      if (now - e.windowStart > this.windowMs && now >= e.bannedUntil) this.#entries.delete(id);
    }
  }
}

/**
 * Slow hashes computed at once. Each scrypt verification holds 16 MB (N=2^14, r=8) on a libuv
 * thread, and the allocator keeps what it once held: a reconnect storm of thousands of devices
 * would otherwise add 64 MB to the broker for good (4 threads) and starve file and DNS work.
 */
const SLOW_HASHES_AT_ONCE = 2;

/**
 * Secret checks: remembers (stored hash, secret digest) pairs that verified, so reconnects skip the
 * slow hash; runs at most SLOW_HASHES_AT_ONCE of them, and one per pair however many CONNECTs of
 * it arrive together.
 */
export class SecretChecker {
  readonly #ok = new Set<string>();
  readonly #pending = new Map<string, Promise<boolean>>();
  readonly #queue: (() => void)[] = [];
  #running = 0;
  constructor(
    private readonly max: number,
    private readonly slowVerify: (secret: string, hash: string) => Promise<boolean> = verifySecret,
  ) {}

  verify(password: Buffer, secretHash: string): Promise<boolean> | true {
    const key = `${secretHash}\0${createHash('sha256').update(password).digest('base64')}`;
    if (this.#ok.has(key)) return true;
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#slow(() => this.slowVerify(password.toString('utf8'), secretHash)).then((ok) => {
        this.#pending.delete(key);
        if (ok) this.#remember(key);
        return ok;
      });
      this.#pending.set(key, pending);
    }
    return pending;
  }

  async #slow<T>(work: () => Promise<T>): Promise<T> {
    // A finished check hands its slot to the next in line, so no newcomer slips in between.
    if (this.#running >= SLOW_HASHES_AT_ONCE) await new Promise<void>((r) => this.#queue.push(r));
    else this.#running++;
    try {
      return await work();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#running--;
    }
  }

  #remember(key: string): void {
    if (this.#ok.size >= this.max) this.#ok.delete(this.#ok.values().next().value!);
    this.#ok.add(key);
  }
}

export interface AuthDeps {
  devices: DeviceDirectory;
  serviceSecret: string;
  stats: BrokerStats;
  flapping: FlapDetector;
  now: () => number;
}

function refusal(code: number, reason: RefusalReason): AuthenticateError {
  return Object.assign(new Error(reason), { returnCode: code }) as AuthenticateError;
}

export function createAuthenticate(deps: AuthDeps): NonNullable<AedesOptions['authenticate']> {
  const { devices, stats, flapping, now } = deps;
  const serviceSecret = Buffer.from(deps.serviceSecret);
  const secrets = new SecretChecker(100_000);

  return (client, username, password, done) => {
    const id = client.id;
    const refuse = (code: number, reason: RefusalReason, detail?: Record<string, unknown>) => {
      stats.refuse(reason, id, { username, ...detail });
      done(refusal(code, reason), false);
    };
    if (flapping.connect(id, now())) return refuse(NOT_AUTHORIZED, 'flapping-ban');
    if (!username || !password) return refuse(NOT_AUTHORIZED, 'anonymous');

    if (SERVICE_USER.test(username)) {
      if (id !== username && !id.startsWith(`${username}-`))
        return refuse(IDENTIFIER_REJECTED, 'client-id-mismatch');
      const ok = password.length === serviceSecret.length && timingSafeEqual(password, serviceSecret);
      if (!ok) return refuse(BAD_USERNAME_OR_PASSWORD, 'bad-secret');
      principals.set(client, { type: 'service', name: username.slice('service.'.length) });
      return done(null, true);
    }
    // A device is its id: client id = username [contract], so no device can take over another's session.
    if (username !== id) return refuse(IDENTIFIER_REJECTED, 'client-id-mismatch');

    devices.findDevice(id).then(
      async (device) => {
        if (!device) return refuse(BAD_USERNAME_OR_PASSWORD, 'unknown-device');
        if (device.revokedAt) return refuse(NOT_AUTHORIZED, 'revoked');
        if (!(await secrets.verify(password, device.secretHash)))
          return refuse(BAD_USERNAME_OR_PASSWORD, 'bad-secret');
        const address = { site: device.site, kind: device.kind, deviceId: device.deviceId };
        principals.set(client, {
          type: 'device',
          address,
          prefix: devicePrefix(address),
          commandTopic: deviceTopic({ ...address, channel: 'command' }),
        });
        done(null, true);
      },
      (err: Error) => {
        // The registry is down: refuse with "server unavailable" so the device retries later.
        stats.refuse('directory-error', id, { err: err.message });
        done(refusal(3, 'directory-error'), false);
      },
    );
  };
}
