import type { Clock } from '../../clock.ts';
import type { Logger } from '../../log.ts';
import type { Db, Queryable } from '../db.ts';
import type { Limits } from './clock.ts';
import type { Emitter } from './events.ts';
import type { Lang } from './i18n.ts';
import type { OutboxHook } from './notices.ts';
import type { PlanSettings } from './plan-templates.ts';

/** What every service-desk operation needs; built once by openServiceDesk. */
export interface DeskContext {
  db: Db;
  log: Logger;
  /** The clock every deadline runs on (`dateOf` where a Date is written). */
  now: Clock;
  lang: Lang;
  /** Service-wide limit overrides, below the per-site/type table. */
  limits: Partial<Limits>;
  events: Emitter;
  /** Maintenance plans' intervals and lead times (FM_PLAN_*). */
  plans: PlanSettings;
  /** Writes notifications in the change's transaction (docs/notifications.md); unset: none. */
  outbox?: OutboxHook | undefined;
}

export async function siteTimezone(db: Queryable, site: string): Promise<string> {
  const [row] = await db.query<{ timezone: string }>('SELECT timezone FROM sites WHERE id = $1', [site]);
  return row?.timezone ?? 'UTC';
}

/** End of the site's local day containing `at`: the "same day" of the managers'-meeting rule. */
export async function endOfLocalDay(db: Queryable, site: string, at: Date): Promise<Date> {
  const [row] = await db.query<{ eod: Date }>(
    `SELECT ((date_trunc('day', $2::timestamptz AT TIME ZONE timezone) + interval '1 day') AT TIME ZONE timezone) AS eod
     FROM sites WHERE id = $1`,
    [site, at],
  );
  return row?.eod ?? new Date(at.getTime() + 86_400_000);
}
