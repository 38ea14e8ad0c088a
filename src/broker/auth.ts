import { createHash, timingSafeEqual } from 'node:crypto';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import type { Logger } from '../log.ts';
import { type DeviceAddress, devicePrefix, deviceTopic } from '../protocol/index.ts';
import {
  type DeviceDirectory,
  hashSecretSync,
  isLegacyHash,
  verifySecret,
  verifySecretFast,
} from '../records/index.ts';
import type { FailureBans, FlapDetector } from './bans.ts';
import type { BrokerStats, RefusalReason } from './counters.ts';
import { remoteAddress } from './framing.ts';

/** Who is behind a connection, decided once at CONNECT and read by the ACL on every packet. */
export type Principal =
  | {
      type: 'device';
      address: DeviceAddress;
      prefix: string;
      commandTopic: string;
      /** The registry's rotation time when this session authenticated (epoch ms). */
      secretRotatedAt: number | null;
    }
  | { type: 'service'; name: string };

export const principals = new WeakMap<Client, Principal>();

/** Service accounts: `service.<name>` ('.' is not allowed in device ids, and mosquitto's password file takes it); client id = username, optionally `-suffix`. */
const SERVICE_USER = /^service\.[a-z][a-z0-9-]{0,31}$/;

// CONNACK return codes, MQTT 3.1.1 §3.2.2.3.
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/**
 * Legacy (scrypt) hashes computed at once. Each scrypt verification holds 16 MB (N=2^14, r=8) on a libuv
 * thread, and the allocator keeps what it once held: a reconnect storm of thousands of devices
 * would otherwise add 64 MB to the broker for good (4 threads) and starve file and DNS work.
 */
const SLOW_HASHES_AT_ONCE = 2;

/**
 * Checks of secrets still stored in the legacy slow form (records/secrets.ts): remembers (stored
 * hash, secret digest) pairs that verified, runs at most SLOW_HASHES_AT_ONCE of them, and one per
 * pair however many CONNECTs of it arrive together. Each verified legacy hash is then rewritten in
 * the fast form, so this runs once per device at most.
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

/** A failed authentication from an address over its limit is answered this late. */
export const TARPIT_MS = 2000;

export interface AuthDeps {
  devices: DeviceDirectory;
  serviceSecret: string;
  stats: BrokerStats;
  flapping: FlapDetector;
  failures: FailureBans;
  log: Logger;
  now: () => number;
}

function refusal(code: number, reason: RefusalReason): AuthenticateError {
  return Object.assign(new Error(reason), { returnCode: code }) as AuthenticateError;
}

export function createAuthenticate(deps: AuthDeps): NonNullable<AedesOptions['authenticate']> {
  const { devices, stats, flapping, failures, log, now } = deps;
  const serviceSecret = Buffer.from(deps.serviceSecret);
  const legacy = new SecretChecker(100_000);

  return (client, username, password, done) => {
    const id = client.id;
    const refuse = (code: number, reason: RefusalReason, detail?: Record<string, unknown>) => {
      stats.refuse(reason, id, { username, ...detail });
      done(refusal(code, reason), false);
    };
    // A failed authentication counts against the address it came from, never against the identity
    // it claimed: nobody can lock a device or a service out by failing in its name.
    const fail = (code: number, reason: RefusalReason, detail?: Record<string, unknown>) => {
      const address = remoteAddress(client.conn, client.req) ?? 'unknown';
      if (!failures.count(address, now())) return refuse(code, reason, detail);
      stats.refuse('address-ban', id, { username, address, failed: reason });
      setTimeout(() => done(refusal(NOT_AUTHORIZED, 'address-ban'), false), TARPIT_MS);
    };
    if (!username || !password) return fail(NOT_AUTHORIZED, 'anonymous');

    if (SERVICE_USER.test(username)) {
      if (id !== username && !id.startsWith(`${username}-`))
        return fail(IDENTIFIER_REJECTED, 'client-id-mismatch');
      const ok = password.length === serviceSecret.length && timingSafeEqual(password, serviceSecret);
      if (!ok) return fail(BAD_USERNAME_OR_PASSWORD, 'bad-secret');
      // Never banned for flapping: a service's reconnects are the platform's own, reported by its
      // health, and device traffic can never count against it.
      principals.set(client, { type: 'service', name: username.slice('service.'.length) });
      return done(null, true);
    }
    // A device is its id: client id = username [contract], so no device can take over another's session.
    if (username !== id) return fail(IDENTIFIER_REJECTED, 'client-id-mismatch');

    devices.findDevice(id).then(
      async (device) => {
        if (!device) return fail(BAD_USERNAME_OR_PASSWORD, 'unknown-device');
        if (device.revokedAt) return fail(NOT_AUTHORIZED, 'revoked');
        const hash = device.secretHash;
        const ok = verifySecretFast(password, hash) ?? (await legacy.verify(password, hash));
        if (!ok) return fail(BAD_USERNAME_OR_PASSWORD, 'bad-secret');
        if (isLegacyHash(hash))
          devices
            .upgradeSecretHash(id, hash, hashSecretSync(password.toString('utf8')))
            .catch((err: Error) =>
              log.warn(
                { clientId: id, err: err.message },
                'could not rewrite a legacy secret hash; will retry',
              ),
            );
        // The identity is proven: only now does a connect count towards its flapping allowance.
        if (flapping.count(id, now())) return refuse(NOT_AUTHORIZED, 'flapping-ban');
        const address = { site: device.site, kind: device.kind, deviceId: device.deviceId };
        principals.set(client, {
          type: 'device',
          address,
          prefix: devicePrefix(address),
          commandTopic: deviceTopic({ ...address, channel: 'command' }),
          secretRotatedAt: device.secretRotatedAt?.getTime() ?? null,
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
