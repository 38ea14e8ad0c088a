/**
 * "At most n in a window" per key, for the residents' report form: per client address and per
 * place, so a prank at one lift cannot flood the desk and one phone cannot report every place.
 * The hits are rows in the records database (rate_hits), so every API process behind a load
 * balancer counts the same ones; a take is one transaction under an advisory lock on its key,
 * so two processes cannot both let the n-th through.
 */

import { type Clock, dateOf } from '../../clock.ts';
import type { Db } from '../../records/index.ts';

export type Take = { ok: true } | { ok: false; retryAfterMs: number };

/** Advisory lock namespace of rate windows (the second key is the hash of the window's key). */
const LOCK_CLASS = 7_301_947;
/** Hits older than this go, whatever their key (keys never hit again); no window may be longer. */
const FORGET_MS = 24 * 3600_000;

export class RateWindow {
  constructor(
    private readonly db: Db,
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: Clock,
  ) {
    if (windowMs > FORGET_MS) throw new Error(`a rate window is at most ${FORGET_MS} ms`);
  }

  /** Whether one more is allowed now (counting it if so), and else how long until one is. */
  take(key: string): Promise<Take> {
    const at = dateOf(this.now);
    const since = new Date(at.getTime() - this.windowMs);
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, key]);
      const [row] = await tx.query<{ n: number; oldest: Date | null }>(
        'SELECT count(*)::int AS n, min(at) AS oldest FROM rate_hits WHERE key = $1 AND at > $2',
        [key, since],
      );
      if (row!.n >= this.max)
        return {
          ok: false,
          retryAfterMs: Math.max(1, row!.oldest!.getTime() + this.windowMs - at.getTime()),
        };
      await tx.query('INSERT INTO rate_hits (key, at) VALUES ($1, $2)', [key, at]);
      // This key's hits out of its window go, and anyone's older than any window (the indexes keep
      // both cheap), so many addresses reporting once each leave nothing behind for long.
      await tx.query('DELETE FROM rate_hits WHERE key = $1 AND at <= $2', [key, since]);
      await tx.query('DELETE FROM rate_hits WHERE at < $1', [new Date(at.getTime() - FORGET_MS)]);
      return { ok: true };
    });
  }
}
