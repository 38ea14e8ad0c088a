/**
 * Failed sign-ins slow down (OWASP Authentication Cheat Sheet: throttle, do not lock out for good,
 * which would let anyone lock the front desk out). Each login name and each client address gets a
 * few free failures in a window; after that every further attempt must wait twice as long as the
 * previous one, up to a cap. A success clears the login's count (not the address's, shared by a
 * desk's several PCs behind one router).
 *
 * The counts are in the database (console_sign_in_throttle), so every API replica counts the same
 * failures, and an attempt takes its turn before its password is checked: it counts as a failure
 * at once, under a row lock, and a success takes that back. Checked first and counted after, a
 * burst of parallel guesses would all pass the check before the first failure was counted.
 */

import { type Clock, dateOf } from '../../clock.ts';
import type { Db } from '../../records/index.ts';

export interface ThrottleOptions {
  /** Failures a login name may have before waiting. */
  freePerLogin: number;
  /** Failures an address may have before waiting (a front office shares one). */
  freePerAddress: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
  /** Longest wait. */
  maxDelayMs: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  freePerLogin: 5,
  freePerAddress: 30,
  windowMs: 15 * 60_000,
  maxDelayMs: 15 * 60_000,
};

/** One key per person however they type it: a name in any case, a phone number with or without spaces. */
function loginKey(login: string): string {
  const l = login.trim().toLowerCase();
  return /^[0-9+\-() ]+$/.test(l) ? `l:${l.replace(/\D/g, '')}` : `l:${l}`;
}

interface Row {
  key: string;
  failures: number;
  lastAt: Date;
}

export class SignInThrottle {
  constructor(
    private readonly db: Db,
    private readonly now: Clock,
    readonly options: ThrottleOptions = DEFAULT_THROTTLE,
  ) {}

  #wait(row: Row | undefined, free: number, at: number): number {
    if (!row || at - row.lastAt.getTime() > this.options.windowMs) return 0;
    if (row.failures < free) return 0;
    const delay = Math.min(this.options.maxDelayMs, 1000 * 2 ** (row.failures - free));
    return Math.max(0, row.lastAt.getTime() + delay - at);
  }

  /**
   * Takes this attempt's turn: the milliseconds it must wait (nothing counted), or 0, and then the
   * attempt counts as a failure of the login and the address until `succeed` takes it back.
   */
  async take(login: string, address: string): Promise<number> {
    const at = dateOf(this.now);
    const keys: [string, number][] = [
      [loginKey(login), this.options.freePerLogin],
      [`a:${address}`, this.options.freePerAddress],
    ];
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<Row>(
        `SELECT key, failures, last_at AS "lastAt" FROM console_sign_in_throttle
         WHERE key = ANY($1::text[]) FOR UPDATE`,
        [keys.map(([k]) => k)],
      );
      const byKey = new Map(rows.map((r) => [r.key, r]));
      const wait = Math.max(...keys.map(([k, free]) => this.#wait(byKey.get(k), free, at.getTime())));
      if (wait > 0) return wait;
      const stale = new Date(at.getTime() - this.options.windowMs);
      for (const [key] of keys) {
        await tx.query(
          `INSERT INTO console_sign_in_throttle (key, failures, last_at) VALUES ($1, 1, $2)
           ON CONFLICT (key) DO UPDATE SET last_at = $2, failures =
             CASE WHEN console_sign_in_throttle.last_at < $3 THEN 1 ELSE console_sign_in_throttle.failures + 1 END`,
          [key, at, stale],
        );
      }
      // Forgotten failures go (the index on last_at makes this cheap): many addresses trying
      // once each leave nothing behind for long.
      await tx.query('DELETE FROM console_sign_in_throttle WHERE last_at < $1', [stale]);
      return 0;
    });
  }

  /** The password was right: the login starts afresh, and the address's count loses this attempt. */
  async succeed(login: string, address: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM console_sign_in_throttle WHERE key = $1', [loginKey(login)]);
      await tx.query(
        'UPDATE console_sign_in_throttle SET failures = greatest(failures - 1, 0) WHERE key = $1',
        [`a:${address}`],
      );
    });
  }
}
