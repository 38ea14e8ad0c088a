/**
 * Staff passwords under scrypt (RFC 7914), Node's built-in memory-hard function: no dependency, and
 * guessing costs an attacker who copied the table the same memory per try as it costs us per
 * sign-in. Parameters travel in the stored string, so they can be raised later and old hashes are
 * rewritten on the next successful sign-in (needsRehash).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  /** CPU/memory cost, a power of two: 2^16 is 64 MiB per hash (128 * N * r bytes). */
  N: number;
  r: number;
  p: number;
}

/**
 * 2^16 × 8: about 64 MiB and 0.1-0.2 s per hash on a small server. OWASP's cheat sheet asks for 2^17
 * at least; we stay one step lower because sign-ins share two cores with ingest and the broker, and
 * the throttle (throttle.ts) bounds online guessing anyway.
 */
export const DEFAULT_PARAMS: ScryptParams = { N: 2 ** 16, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

/** NIST SP 800-63B §5.1.1.2: at least 8 characters, long passphrases allowed, no composition rules. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 200;

function derive(password: string, salt: Buffer, { N, r, p }: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128 * N * r, or Node refuses the parameters.
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, { N, r, p, maxmem: 256 * N * r + 1024 }, (e, key) =>
      e ? reject(e) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Refuse absurd parameters rather than let a corrupted row allocate gigabytes.
  if (N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  return { params: { N, r, p }, salt: Buffer.from(m[4]!, 'base64url'), key: Buffer.from(m[5]!, 'base64url') };
}

/** Constant-time comparison of the derived keys. A malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return false;
  const key = await derive(password, h.salt, h.params);
  return key.length === h.key.length && timingSafeEqual(key, h.key);
}

/** Whether a hash was made with weaker parameters than `target` (rewrite it after a good sign-in). */
export function needsRehash(stored: string, target: ScryptParams = DEFAULT_PARAMS): boolean {
  const h = parse(stored);
  return !h || h.params.N < target.N || h.params.r < target.r || h.params.p < target.p;
}

let dummy: Promise<string> | undefined;
/**
 * The same work as a real verification, for a name nobody has: the time a refusal takes does not
 * tell whether the username exists.
 */
export async function burnVerification(
  password: string,
  params: ScryptParams = DEFAULT_PARAMS,
): Promise<void> {
  dummy ??= hashPassword('not a password', params);
  await verifyPassword(password, await dummy);
}

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(
  password: string,
  username: string,
): 'too-short' | 'too-long' | 'is-username' | undefined {
  if ([...password].length < PASSWORD_MIN) return 'too-short';
  if (password.length > PASSWORD_MAX) return 'too-long';
  if (password.trim().toLowerCase() === username.toLowerCase()) return 'is-username';
  return undefined;
}
