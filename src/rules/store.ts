/** Rules' own reads and writes: the devices it watches and its saved state (migration 020). */
import type { Db, Queryable } from '../records/index.ts';
import type { DeviceInfo } from './compile.ts';

export async function loadDevices(db: Queryable, sites?: readonly string[]): Promise<DeviceInfo[]> {
  return db.query<DeviceInfo>(
    `SELECT id, site_id AS site, kind, building_id AS building, floor, location, interval_s AS "intervalS"
     FROM devices WHERE revoked_at IS NULL AND ($1::text[] IS NULL OR site_id = ANY($1::text[]))`,
    [sites ?? null],
  );
}

/** Saved states: all, or those of `ids` (a site just taken); `updatedAt` is when they were saved. */
export async function loadStates(
  db: Queryable,
  ids?: readonly string[],
): Promise<{ id: string; state: unknown; updatedAt: Date }[]> {
  return db.query(
    'SELECT id, state, updated_at AS "updatedAt" FROM rules_state WHERE $1::text[] IS NULL OR id = ANY($1::text[])',
    [ids ?? null],
  );
}

/**
 * Saves states. With `holder` (several workers), a row is written only while that worker holds
 * its site's lease by the database's clock: a worker that lost a site (paused, partitioned) cannot
 * overwrite what the site's new owner saved (migration 074, docs/rules.md "Several workers").
 */
export async function saveStates(
  db: Db,
  rows: readonly { id: string; state: unknown; site?: string | undefined }[],
  at: Date,
  holder?: string,
): Promise<void> {
  await db.query(
    `INSERT INTO rules_state (id, state, updated_at)
     SELECT i, s::jsonb, $3 FROM unnest($1::text[], $2::text[], $4::text[]) AS t(i, s, site)
     WHERE $5::text IS NULL OR EXISTS (SELECT 1 FROM leases l
       WHERE l.name = 'rules-site:' || t.site AND l.holder = $5 AND l.expires_at > now())
     ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
    [
      rows.map((r) => r.id),
      rows.map((r) => JSON.stringify(r.state)),
      at,
      rows.map((r) => r.site ?? null),
      holder ?? null,
    ],
  );
}

/** What rules has saved for a device (diagnostics). */
export async function savedStateOf(db: Queryable, deviceId: string): Promise<unknown> {
  const [row] = await db.query<{ state: unknown }>('SELECT state FROM rules_state WHERE id = $1', [deviceId]);
  return row?.state;
}
