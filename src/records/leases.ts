/**
 * Leases in the records database (migration 074): a named thing is held by one holder until its
 * expiry, renewed by that holder, taken over by another only once expired. Expiry is the
 * database's clock (now()) so skewed machines agree; a holder also keeps its own monotonic
 * deadline (see LeaseGrant) and stops acting when it passes, whether or not the database answered.
 * A lease table rather than advisory locks: docs/architecture.md, "Leases", says why.
 */
import type { Queryable } from './db.ts';

export interface LeaseGrant {
  name: string;
  /** Fencing token: raised at every change of holder. */
  epoch: number;
}

/**
 * Claims or renews every name in `names` for `holder` for `ttlMs`, in one statement: a name free,
 * expired or already ours is granted; one held by another and unexpired is not. Returns the grants.
 * The caller's own deadline is `performance.now()` taken *before* the call plus ttlMs: the
 * database's expiry is no earlier than that, so acting until then never overlaps another holder.
 */
export async function claimLeases(
  db: Queryable,
  names: readonly string[],
  holder: string,
  ttlMs: number,
  /** Stored with the leases for others to read (liveLeases); undefined keeps what is there. */
  data?: unknown,
): Promise<LeaseGrant[]> {
  if (names.length === 0) return [];
  const rows = await db.query<{ name: string; epoch: string | number }>(
    `INSERT INTO leases (name, holder, expires_at, data)
     SELECT n, $2, now() + make_interval(secs => $3::double precision / 1000), $4::jsonb FROM unnest($1::text[]) AS n
     ON CONFLICT (name) DO UPDATE SET
       holder = EXCLUDED.holder,
       expires_at = EXCLUDED.expires_at,
       epoch = CASE WHEN leases.holder = EXCLUDED.holder AND leases.expires_at > now()
                    THEN leases.epoch ELSE leases.epoch + 1 END,
       acquired_at = CASE WHEN leases.holder = EXCLUDED.holder AND leases.expires_at > now()
                    THEN leases.acquired_at ELSE now() END,
       data = COALESCE(EXCLUDED.data, leases.data)
     WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= now()
     RETURNING name, epoch`,
    [[...new Set(names)].sort(), holder, ttlMs, data === undefined ? null : JSON.stringify(data)],
  );
  return rows.map((r) => ({ name: r.name, epoch: Number(r.epoch) }));
}

/** Gives names up at once (a clean stop or a handover), so the next holder need not wait out the TTL. */
export async function releaseLeases(db: Queryable, names: readonly string[], holder: string): Promise<void> {
  if (names.length === 0) return;
  await db.query('UPDATE leases SET expires_at = now() WHERE holder = $1 AND name = ANY($2::text[])', [
    holder,
    [...names],
  ]);
}

/** Unexpired leases whose name starts with `prefix`: name (without the prefix), holder and data. */
export async function liveLeases(
  db: Queryable,
  prefix: string,
): Promise<{ name: string; holder: string; data: unknown }[]> {
  const rows = await db.query<{ name: string; holder: string; data: unknown }>(
    `SELECT name, holder, data FROM leases WHERE starts_with(name, $1) AND expires_at > now() ORDER BY name`,
    [prefix],
  );
  return rows.map((r) => ({
    name: r.name.slice(prefix.length),
    holder: r.holder,
    data: r.data ?? undefined,
  }));
}
