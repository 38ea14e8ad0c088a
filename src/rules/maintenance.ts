/**
 * Planned maintenance windows (device, building, area or whole site). Devices carry no area in
 * the registry, so an area window covers the devices of the area's building.
 */
import type { CurrentWindow } from '../records/index.ts';
import type { DeviceInfo } from './compile.ts';

// Windows are kept by records/ (the API and `facility maintenance` manage them); rules reads them.
export { currentWindows } from '../records/index.ts';

/** The loaded windows, asked on every evaluation. */
export class MaintenanceCalendar {
  private windows: (CurrentWindow & { from: number; to: number })[] = [];

  set(list: readonly CurrentWindow[]): void {
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
