/**
 * Who a CONNECT's credentials prove, checked against the device registry and the service secret.
 * One check for every broker: aedes calls it from its authenticate hook (auth.ts), EMQX through the
 * HTTP authentication endpoint (api/routes/emqx.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../log.ts';
import {
  type DeviceDirectory,
  hashSecretSync,
  isLegacyHash,
  verifySecret,
  verifySecretFast,
} from '../records/index.ts';
import type { RefusalReason } from './counters.ts';
import { devicePrincipal, type Principal, SERVICE_USER, serviceClientIdFits } from './permissions.ts';

// CONNACK return codes, MQTT 3.1.1 §3.2.2.3.
export const IDENTIFIER_REJECTED = 2;
export const SERVER_UNAVAILABLE = 3;
export const BAD_USERNAME_OR_PASSWORD = 4;
export const NOT_AUTHORIZED = 5;

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

export type Verdict =
  | { ok: true; principal: Principal }
  /** `failed`: a failed authentication (counts against the address); otherwise another refusal. */
  | { ok: false; code: number; reason: RefusalReason; failed: boolean; detail?: Record<string, unknown> };

export interface IdentityDeps {
  devices: DeviceDirectory;
  serviceSecret: string;
  log: Logger;
}

export type CheckCredentials = (
  clientId: string,
  username: string | undefined,
  password: Buffer | undefined,
) => Verdict | Promise<Verdict>;

/** Returns the check; it answers services at once and devices after one registry read. */
export function createCredentialCheck({ devices, serviceSecret, log }: IdentityDeps): CheckCredentials {
  const secret = Buffer.from(serviceSecret);
  const legacy = new SecretChecker(100_000);
  const fail = (code: number, reason: RefusalReason): Verdict => ({ ok: false, code, reason, failed: true });

  const checkDevice = async (id: string, password: Buffer): Promise<Verdict> => {
    let device: Awaited<ReturnType<DeviceDirectory['findDevice']>>;
    try {
      device = await devices.findDevice(id);
    } catch (err) {
      // The registry is down: "server unavailable", so the device retries later; not its failure.
      const detail = { err: (err as Error).message };
      return { ok: false, code: SERVER_UNAVAILABLE, reason: 'directory-error', failed: false, detail };
    }
    if (!device) return fail(BAD_USERNAME_OR_PASSWORD, 'unknown-device');
    if (device.revokedAt) return fail(NOT_AUTHORIZED, 'revoked');
    const hash = device.secretHash;
    const ok = verifySecretFast(password, hash) ?? (await legacy.verify(password, hash));
    if (!ok) return fail(BAD_USERNAME_OR_PASSWORD, 'bad-secret');
    if (isLegacyHash(hash))
      devices
        .upgradeSecretHash(id, hash, hashSecretSync(password.toString('utf8')))
        .catch((err: Error) =>
          log.warn({ clientId: id, err: err.message }, 'could not rewrite a legacy secret hash; will retry'),
        );
    return { ok: true, principal: devicePrincipal(device) };
  };

  return (id, username, password) => {
    if (!username || !password) return fail(NOT_AUTHORIZED, 'anonymous');
    if (SERVICE_USER.test(username)) {
      if (!serviceClientIdFits(username, id)) return fail(IDENTIFIER_REJECTED, 'client-id-mismatch');
      const ok = password.length === secret.length && timingSafeEqual(password, secret);
      if (!ok) return fail(BAD_USERNAME_OR_PASSWORD, 'bad-secret');
      return { ok: true, principal: { type: 'service', name: username.slice('service.'.length) } };
    }
    // A device is its id: client id = username [contract], so no device can take over another's session.
    if (username !== id) return fail(IDENTIFIER_REJECTED, 'client-id-mismatch');
    return checkDevice(id, password);
  };
}
