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

export async function loadStates(db: Queryable): Promise<{ id: string; state: unknown }[]> {
  return db.query('SELECT id, state FROM rules_state');
}

export async function saveStates(
  db: Db,
  rows: readonly { id: string; state: unknown }[],
  at: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO rules_state (id, state, updated_at)
     SELECT i, s::jsonb, $3 FROM unnest($1::text[], $2::text[]) AS t(i, s)
     ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
    [rows.map((r) => r.id), rows.map((r) => JSON.stringify(r.state)), at],
  );
}

/** What rules has saved for a device (diagnostics). */
export async function savedStateOf(db: Queryable, deviceId: string): Promise<unknown> {
  const [row] = await db.query<{ state: unknown }>('SELECT state FROM rules_state WHERE id = $1', [deviceId]);
  return row?.state;
}
