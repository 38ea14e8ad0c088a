/**
 * Planned maintenance windows (device, building, area or whole site). Devices carry no area in
 * the registry, so an area window covers the devices of the area's building.
 */
import { z } from 'zod';
import type { Db, Queryable } from '../records/db.ts';
import type { DeviceInfo } from './compile.ts';

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const instant = z.union([z.date(), z.iso.datetime({ offset: true }).transform((s) => new Date(s))]);

export const maintenanceInput = z
  .object({
    site: id,
    scope: z.enum(['site', 'building', 'area', 'device']),
    target: id.optional(),
    startsAt: instant,
    endsAt: instant,
    note: z.string().trim().min(1).max(500).optional(),
    createdBy: z.string().min(1).max(100).default('rules'),
  })
  .refine((m) => (m.scope === 'site') === (m.target === undefined), 'target is required unless scope is site')
  .refine((m) => m.endsAt > m.startsAt, 'endsAt must be after startsAt');
export type MaintenanceInput = z.input<typeof maintenanceInput>;

export interface MaintenanceWindow {
  id: number;
  site: string;
  scope: 'site' | 'building' | 'area' | 'device';
  target: string | null;
  startsAt: Date;
  endsAt: Date;
  note: string | null;
}

const COLUMNS = `id, site_id AS site, scope, target, starts_at AS "startsAt", ends_at AS "endsAt", note`;

export async function addMaintenanceWindow(db: Queryable, input: MaintenanceInput, at = new Date()) {
  const m = maintenanceInput.parse(input);
  const [row] = await db.query<MaintenanceWindow>(
    `INSERT INTO maintenance_windows (site_id, scope, target, starts_at, ends_at, note, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [m.site, m.scope, m.target ?? null, m.startsAt, m.endsAt, m.note ?? null, m.createdBy, at],
  );
  return row!;
}

/** Ends a window early (work finished): from `at` on, faults are raised again. */
export async function endMaintenanceWindow(db: Queryable, windowId: number, at = new Date()) {
  await db.query(
    "UPDATE maintenance_windows SET ends_at = GREATEST(starts_at + interval '1 ms', LEAST(ends_at, $2)) WHERE id = $1",
    [windowId, at],
  );
}

/** Windows not yet over at `at`, with the building of each area window. */
export async function currentWindows(
  db: Db,
  at: Date,
): Promise<(MaintenanceWindow & { building: string | null })[]> {
  return db.query(
    `SELECT m.id, m.site_id AS site, m.scope, m.target, m.starts_at AS "startsAt", m.ends_at AS "endsAt", m.note,
       a.building_id AS building
     FROM maintenance_windows m LEFT JOIN areas a ON m.scope = 'area' AND a.site_id = m.site_id AND a.id = m.target
     WHERE m.ends_at > $1 ORDER BY m.id`,
    [at],
  );
}

/** The loaded windows, asked on every evaluation. */
export class MaintenanceCalendar {
  private windows: (MaintenanceWindow & { building: string | null; from: number; to: number })[] = [];

  set(list: (MaintenanceWindow & { building: string | null })[]): void {
    this.windows = list.map((w) => ({
      ...w,
      from: new Date(w.startsAt).getTime(),
      to: new Date(w.endsAt).getTime(),
    }));
  }

  covers(d: DeviceInfo, at: number): boolean {
    for (const w of this.windows) {
      if (w.site !== d.site || at < w.from || at >= w.to) continue;
      if (w.scope === 'site') return true;
      if (w.scope === 'device' && w.target === d.id) return true;
      if (w.scope === 'building' && w.target === d.building) return true;
      if (w.scope === 'area' && w.building !== null && w.building === d.building) return true;
    }
    return false;
  }
}
