/**
 * Planned maintenance windows (table maintenance_windows): while one covers a device, rules/
 * evaluates its faults and logs them but raises nothing (docs/rules.md). Scopes are the ones rules
 * understands: a device, a building, an area (covering the devices of the area's building, since
 * devices carry no area), or the whole site. Windows are ended early or cancelled, never deleted.
 */
import { z } from 'zod';
import type { Queryable } from './db.ts';
import { parseInput, RecordsError } from './errors.ts';
import { instant } from './service/types.ts';
import { idSchema, requireSite } from './sites.ts';

export const MAINTENANCE_SCOPES = ['site', 'building', 'area', 'device'] as const;
export type MaintenanceScope = (typeof MAINTENANCE_SCOPES)[number];
/** Derived at the time asked: planned (not begun), active, ended (at its planned end or early), cancelled. */
export const MAINTENANCE_STATES = ['planned', 'active', 'ended', 'cancelled'] as const;
export type MaintenanceState = (typeof MAINTENANCE_STATES)[number];

/** What every window must satisfy, however it is entered (this module's input, the API's body). */
export function windowChecks<
  T extends z.ZodType<{ scope: MaintenanceScope; target?: string | undefined; startsAt: Date; endsAt: Date }>,
>(schema: T): T {
  return schema
    .refine((m) => (m.scope === 'site') === (m.target === undefined), {
      message: 'target is required unless scope is site (and not allowed then)',
      path: ['target'],
    })
    .refine((m) => m.endsAt > m.startsAt, { message: 'endsAt must be after startsAt', path: ['endsAt'] });
}

export const maintenanceInput = windowChecks(
  z.object({
    site: idSchema,
    scope: z.enum(MAINTENANCE_SCOPES),
    /** The building, area or device id; omitted for the whole site. */
    target: idSchema.optional(),
    startsAt: instant,
    endsAt: instant,
    note: z.string().trim().min(1).max(500).optional(),
    createdBy: z.string().min(1).max(100).default('rules'),
  }),
);
export type MaintenanceInput = z.input<typeof maintenanceInput>;

export interface MaintenanceWindow {
  id: number;
  site: string;
  scope: MaintenanceScope;
  target: string | null;
  startsAt: Date;
  /** When rules stops holding faults back: the planned end, or when it was ended early. */
  endsAt: Date;
  /** The planned end, when it was ended early. */
  plannedEndsAt: Date | null;
  note: string | null;
  createdBy: string;
  createdAt: Date;
  endedAt: Date | null;
  endedBy: string | null;
  cancelledAt: Date | null;
  state: MaintenanceState;
}

const STATE = `CASE WHEN cancelled_at IS NOT NULL THEN 'cancelled' WHEN $1::timestamptz < starts_at THEN 'planned'
  WHEN $1::timestamptz < ends_at THEN 'active' ELSE 'ended' END`;
const COLUMNS = `id, site_id AS site, scope, target, starts_at AS "startsAt", ends_at AS "endsAt",
  planned_ends_at AS "plannedEndsAt", note, created_by AS "createdBy", created_at AS "createdAt",
  ended_at AS "endedAt", ended_by AS "endedBy", cancelled_at AS "cancelledAt", ${STATE} AS state`;

/** A window on something that does not exist would silently cover nothing: refuse it. */
const TARGETS = {
  building: { table: 'buildings', code: 'building-not-found' },
  area: { table: 'areas', code: 'area-not-found' },
  device: { table: 'devices', code: 'device-not-found' },
} as const;

async function requireTarget(db: Queryable, site: string, scope: MaintenanceScope, target: string) {
  if (scope === 'site') return;
  const { table, code } = TARGETS[scope];
  const rows = await db.query(`SELECT 1 FROM ${table} WHERE site_id = $1 AND id = $2`, [site, target]);
  if (rows.length === 0)
    throw new RecordsError(code, `${scope} "${target}" does not exist in site "${site}"`);
}

export async function addMaintenanceWindow(
  db: Queryable,
  input: unknown,
  at: Date,
): Promise<MaintenanceWindow> {
  const m = parseInput(maintenanceInput, input, 'maintenance window');
  await requireSite(db, m.site);
  if (m.target !== undefined) await requireTarget(db, m.site, m.scope, m.target);
  const [row] = await db.query<MaintenanceWindow>(
    `INSERT INTO maintenance_windows (site_id, scope, target, starts_at, ends_at, note, created_by, created_at)
     VALUES ($2, $3, $4, $5, $6, $7, $8, $1) RETURNING ${COLUMNS}`,
    [at, m.site, m.scope, m.target ?? null, m.startsAt, m.endsAt, m.note ?? null, m.createdBy],
  );
  return row!;
}

export const maintenanceFilter = z.object({
  site: idSchema.optional(),
  /** Only these sites (a sign-in limited to some sites); absent: every site. */
  sites: z.array(idSchema).optional(),
  state: z.array(z.enum(MAINTENANCE_STATES)).min(1).optional(),
  /** Keyset paging, newest first: windows with an id below this. */
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(500).default(50),
});
export type MaintenanceFilter = z.input<typeof maintenanceFilter>;

export async function listMaintenanceWindows(
  db: Queryable,
  filter: MaintenanceFilter,
  at: Date,
): Promise<{ windows: MaintenanceWindow[]; nextCursor: number | null }> {
  const f = parseInput(maintenanceFilter, filter, 'maintenance filter');
  const rows = await db.query<MaintenanceWindow>(
    `SELECT ${COLUMNS} FROM maintenance_windows
     WHERE ($2::text IS NULL OR site_id = $2) AND ($3::text[] IS NULL OR ${STATE} = ANY($3::text[]))
       AND ($4::int IS NULL OR id < $4) AND ($6::text[] IS NULL OR site_id = ANY($6::text[]))
     ORDER BY id DESC LIMIT $5`,
    [at, f.site ?? null, f.state ?? null, f.cursor ?? null, f.limit + 1, f.sites ?? null],
  );
  const more = rows.length > f.limit;
  const windows = more ? rows.slice(0, f.limit) : rows;
  return { windows, nextCursor: more ? windows.at(-1)!.id : null };
}

/** The answer for a window that does not exist, and for one of a site the caller may not see. */
export function maintenanceNotFound(id: number): RecordsError {
  return new RecordsError('maintenance-not-found', `maintenance window ${id} does not exist`);
}

export async function getMaintenanceWindow(db: Queryable, id: number, at: Date): Promise<MaintenanceWindow> {
  const [row] = await db.query<MaintenanceWindow>(
    `SELECT ${COLUMNS} FROM maintenance_windows WHERE id = $2`,
    [at, id],
  );
  if (!row) throw maintenanceNotFound(id);
  return row;
}

/**
 * The work finished early: from `at` on, faults are raised again (one still on is raised at once,
 * its clock starting then). The planned end is kept. A window not begun yet is cancelled instead.
 */
export async function endMaintenanceWindow(
  db: Queryable,
  id: number,
  at: Date,
  by = 'rules',
): Promise<MaintenanceWindow> {
  const w = await getMaintenanceWindow(db, id, at);
  if (w.state === 'planned') {
    throw new RecordsError(
      'maintenance-not-started',
      `maintenance window ${id} has not begun (it starts ${w.startsAt.toISOString()}); cancel it instead`,
    );
  }
  if (w.state !== 'active') {
    throw new RecordsError('maintenance-ended', `maintenance window ${id} is already ${w.state}`);
  }
  const [row] = await db.query<MaintenanceWindow>(
    `UPDATE maintenance_windows SET planned_ends_at = COALESCE(planned_ends_at, ends_at),
       ends_at = GREATEST(starts_at + interval '1 ms', LEAST(ends_at, $1)), ended_at = $1, ended_by = $3
     WHERE id = $2 RETURNING ${COLUMNS}`,
    [at, id, by],
  );
  return row!;
}

/** The planned work is called off before it began: rules ignores the window. */
export async function cancelMaintenanceWindow(
  db: Queryable,
  id: number,
  at: Date,
  by: string,
): Promise<MaintenanceWindow> {
  const w = await getMaintenanceWindow(db, id, at);
  if (w.state === 'active') {
    throw new RecordsError(
      'maintenance-started',
      `maintenance window ${id} began at ${w.startsAt.toISOString()}; end it instead`,
    );
  }
  if (w.state !== 'planned') {
    throw new RecordsError('maintenance-ended', `maintenance window ${id} is already ${w.state}`);
  }
  const [row] = await db.query<MaintenanceWindow>(
    `UPDATE maintenance_windows SET cancelled_at = $1, ended_at = $1, ended_by = $3 WHERE id = $2
     RETURNING ${COLUMNS}`,
    [at, id, by],
  );
  return row!;
}

/** What rules needs of a window, with the building of an area window (its devices are the building's). */
export type CurrentWindow = Pick<
  MaintenanceWindow,
  'id' | 'site' | 'scope' | 'target' | 'startsAt' | 'endsAt' | 'note'
> & { building: string | null };

/** Windows not yet over at `at` and not cancelled: the ones rules honours now or soon. */
export async function currentWindows(db: Queryable, at: Date): Promise<CurrentWindow[]> {
  return db.query(
    `SELECT m.id, m.site_id AS site, m.scope, m.target, m.starts_at AS "startsAt", m.ends_at AS "endsAt", m.note,
       a.building_id AS building
     FROM maintenance_windows m LEFT JOIN areas a ON m.scope = 'area' AND a.site_id = m.site_id AND a.id = m.target
     WHERE m.ends_at > $1 AND m.cancelled_at IS NULL ORDER BY m.id`,
    [at],
  );
}
