import {
  createHmac,
  pbkdf2Sync,
  randomBytes,
  type ScryptOptions,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';

/**
 * Device secrets: 256 random bits, shown once, stored as `hmac-sha256$salt$mac` (HMAC-SHA256 of the
 * secret keyed with a per-device random salt). A slow password hash protects low-entropy passwords
 * that people choose; a random 256-bit secret cannot be guessed whatever the hash, so a slow one
 * only makes every CONNECT expensive: after a broker restart it turned 10,000 devices reconnecting
 * into minutes of hashing (issue 18). The keyed hash costs microseconds and is compared in
 * constant time. A secret chosen by the caller (a simulated fleet) must be random for the same
 * reason.
 *
 * Older registries hold `scrypt$N$r$p$salt$hash`; they still verify (slowly, see broker/identity.ts),
 * and the broker rewrites each one in the new form on its device's next successful connect.
 */
const SCHEME = 'hmac-sha256';
const LEGACY_SCHEME = 'scrypt';

/** A new device secret: 32 random bytes, base64url (43 characters). */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

function mac(secret: string | Buffer, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(secret).digest();
}

export function hashSecretSync(secret: string): string {
  const salt = randomBytes(16);
  return [SCHEME, salt.toString('base64url'), mac(secret, salt).toString('base64url')].join('$');
}

/** Async for callers that hashed with scrypt before; the work itself is synchronous and tiny. */
export async function hashSecret(secret: string): Promise<string> {
  return hashSecretSync(secret);
}

/** True when `stored` is in the old slow form and should be rewritten after a successful check. */
export function isLegacyHash(stored: string): boolean {
  return stored.startsWith(`${LEGACY_SCHEME}$`);
}

/** Checks a secret against the current form; undefined when `stored` is not in it. */
export function verifySecretFast(secret: string | Buffer, stored: string): boolean | undefined {
  const [scheme, salt, expected] = stored.split('$');
  if (scheme !== SCHEME || !salt || !expected) return undefined;
  const want = Buffer.from(expected, 'base64url');
  const got = mac(secret, Buffer.from(salt, 'base64url'));
  return want.length === got.length && timingSafeEqual(got, want);
}

function scryptAsync(secret: string, salt: Buffer, keyLen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLen, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Checks a secret in either form (the legacy one with scrypt, ~50 ms and 16 MiB). */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const fast = verifySecretFast(secret, stored);
  if (fast !== undefined) return fast;
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== LEGACY_SCHEME || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(secret, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(key, expected);
}

/**
 * mosquitto's password hash (mosquitto 2.0 src/password_mosq.h, plugins/dynamic-security/auth.c):
 * PBKDF2-HMAC-SHA512 over the secret with a 12-byte random salt, 64-byte result, written as
 * `$7$<iterations>$<salt base64>$<hash base64>` (the `$7$` of its password files). 101 iterations
 * is mosquitto's own default: the secret is 256 random bits, so more would only slow each CONNECT.
 */
export const BROKER_HASH_ITERATIONS = 101;

export function brokerHashSync(secret: string, iterations = BROKER_HASH_ITERATIONS): string {
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(secret, salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** The parts of a `$7$` hash as the dynamic security plugin's JSON file holds them, or undefined. */
export function parseBrokerHash(
  stored: string,
): { iterations: number; salt: string; password: string } | undefined {
  const [, scheme, iterations, salt, password] = stored.split('$');
  if (scheme !== '7' || !iterations || !salt || !password || !/^\d+$/.test(iterations)) return undefined;
  return { iterations: Number(iterations), salt, password };
}

/** True when `secret` is the one `stored` (a `$7$` broker hash) was made from. */
export function verifyBrokerHash(secret: string, stored: string): boolean {
  const parts = parseBrokerHash(stored);
  if (!parts) return false;
  const want = Buffer.from(parts.password, 'base64');
  const got = pbkdf2Sync(secret, Buffer.from(parts.salt, 'base64'), parts.iterations, want.length, 'sha512');
  return want.length === 64 && timingSafeEqual(got, want);
}
