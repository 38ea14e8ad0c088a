/**
 * How rules learns of maintenance windows (docs/rules.md, "Maintenance windows"): every change to
 * maintenance_windows is announced at COMMIT on the database channel fm_maintenance (a trigger,
 * migrations/033), heard by every rules worker in every process; each reloads the windows and
 * re-evaluates at once. Before a fault is raised the windows are read again, so a window committed
 * a moment before (the API has answered, the announcement is still on its way) holds it back. The
 * periodic refresh stays as a safety net.
 */
import { type Clock, dateOf } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Db } from '../records/index.ts';
import { currentWindows, type MaintenanceCalendar } from './maintenance.ts';

export const MAINTENANCE_CHANNEL = 'fm_maintenance';

export interface MaintenanceFeed {
  /** Reads the windows from the database now (callers that must be exact await it). */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export async function watchMaintenance(o: {
  db: Db;
  calendar: MaintenanceCalendar;
  log: Logger;
  now: Clock;
  /** The windows changed: evaluate held faults now. */
  changed: () => void;
}): Promise<MaintenanceFeed> {
  let chain: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  // Loads run one at a time; calls while one waits share it, so a burst costs one query.
  const reload = (): Promise<void> => {
    if (queued) return queued;
    const next = chain.then(async () => {
      queued = undefined;
      o.calendar.set(await currentWindows(o.db, dateOf(o.now)));
    });
    queued = next;
    chain = next.catch(() => {});
    return next;
  };
  const heard = () => {
    reload().then(o.changed, (err: Error) =>
      o.log.warn({ err: err.message }, 'could not reload maintenance windows; keeping the last'),
    );
  };
  let unlisten: (() => Promise<void>) | undefined;
  try {
    unlisten = await o.db.listen(MAINTENANCE_CHANNEL, heard, heard);
  } catch (err) {
    o.log.warn(
      { err: (err as Error).message },
      'cannot listen for maintenance window changes; relying on the periodic refresh',
    );
  }
  return {
    reload,
    stop: async () => {
      await unlisten?.().catch(() => {});
      await chain;
    },
  };
}
