/**
 * CSRF tokens (OWASP CSRF Prevention Cheat Sheet: synchronizer token, plus double-submit before
 * sign-in). A session has one secret token; every page carries it masked with a fresh one-time pad
 * (as Django does), so a compressed page never repeats the same secret bytes beside text an
 * attacker can reflect into it (BREACH). Checks unmask and compare in constant time.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

const BYTES = 32;

export function newCsrfSecret(): string {
  return randomBytes(BYTES).toString('base64url');
}

/** pad || (pad XOR secret), base64url: a different string each time for the same secret. */
export function maskCsrf(secret: string): string {
  const s = Buffer.from(secret, 'base64url');
  const pad = randomBytes(s.length);
  const out = Buffer.alloc(s.length * 2);
  pad.copy(out);
  for (let i = 0; i < s.length; i++) out[s.length + i] = pad[i]! ^ s[i]!;
  return out.toString('base64url');
}

function unmask(token: string): Buffer | undefined {
  const b = Buffer.from(token, 'base64url');
  if (b.length !== BYTES * 2) return undefined;
  const s = Buffer.alloc(BYTES);
  for (let i = 0; i < BYTES; i++) s[i] = b[i]! ^ b[BYTES + i]!;
  return s;
}

/** Whether `presented` (masked, as pages carry it) stands for `secret`. */
export function csrfMatches(secret: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length > 200) return false;
  const s = Buffer.from(secret, 'base64url');
  const p = unmask(presented);
  return p !== undefined && s.length === p.length && timingSafeEqual(s, p);
}
