import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Device secrets: 160 random bits shown once, stored only as an scrypt hash. The secret's entropy
 * already defeats guessing; the slow hash is defence in depth for a leaked table. N=2^14 (~50 ms,
 * 16 MiB) keeps a fleet reconnecting after a broker restart from queueing minutes of hashing.
 */
const PARAMS = { N: 1 << 14, r: 8, p: 1 } as const;
const KEY_LEN = 32;

function scryptAsync(secret: string, salt: Buffer, keyLen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLen, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** A new device secret: 20 random bytes, base64url (27 characters). */
export function generateSecret(): string {
  return randomBytes(20).toString('base64url');
}

/** `scrypt$N$r$p$salt$hash`, base64url fields. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, KEY_LEN, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(secret, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(key, expected);
}
