/**
 * Planned maintenance windows (device, building, area or whole site). Devices carry no area in
 * the registry, so an area window covers the devices of the area's building.
 */
import type { Db } from '../records/db.ts';
import type { MaintenanceWindow as KeptWindow } from '../records/maintenance.ts';
import type { DeviceInfo } from './compile.ts';

// Windows are kept by records/ (the API and `facility maintenance` manage them); rules reads them.
export {
  addMaintenanceWindow,
  endMaintenanceWindow,
  type MaintenanceInput,
  maintenanceInput,
} from '../records/maintenance.ts';

/** What rules needs of a window kept by records/. */
export type MaintenanceWindow = Pick<
  KeptWindow,
  'id' | 'site' | 'scope' | 'target' | 'startsAt' | 'endsAt' | 'note'
>;

/** Windows not yet over at `at`, with the building of each area window. */
export async function currentWindows(
  db: Db,
  at: Date,
): Promise<(MaintenanceWindow & { building: string | null })[]> {
  return db.query(
    `SELECT m.id, m.site_id AS site, m.scope, m.target, m.starts_at AS "startsAt", m.ends_at AS "endsAt", m.note,
       a.building_id AS building
     FROM maintenance_windows m LEFT JOIN areas a ON m.scope = 'area' AND a.site_id = m.site_id AND a.id = m.target
     WHERE m.ends_at > $1 AND m.cancelled_at IS NULL ORDER BY m.id`,
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
