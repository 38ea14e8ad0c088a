/**
 * The plan calendar the managers read (console, API, `facility plans calendar`): for a site and a
 * local month, every job due in it, generated (with its record's state) or still to come.
 */
import { z } from 'zod';
import type { Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import { idSchema, requireSite } from '../sites.ts';
import { listPlans, occurrences, planUnits } from './plans.ts';

export interface CalendarEntry {
  planId: number;
  plan: string;
  /** The device, or null for a site job. */
  deviceId: string | null;
  trigger: 'calendar' | 'meter';
  dueDate: string;
  dueAt: Date;
  /** The job's record once generated. */
  recordId: number | null;
  state: string | null;
  assigneeId: string | null;
  completedAt: Date | null;
  overdue: boolean;
}

export const calendarQuery = z.object({ site: idSchema, month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/) });

export async function planCalendar(
  db: Queryable,
  site: string,
  month: string,
  now: Date,
): Promise<CalendarEntry[]> {
  const q = parseInput(calendarQuery, { site, month }, 'plan calendar');
  await requireSite(db, q.site);
  const [b] = await db.query<{ from: Date; to: Date }>(
    `SELECT (($2 || '-01')::timestamp AT TIME ZONE timezone) AS "from",
       ((($2 || '-01')::date + interval '1 month')::timestamp AT TIME ZONE timezone) AS "to" FROM sites WHERE id = $1`,
    [q.site, q.month],
  );
  const { from, to } = b!;
  // Generated jobs: the due end-of-day falls in (from, to].
  const made = await db.query<CalendarEntry & { seq: number }>(
    `SELECT j.plan_id AS "planId", p.name AS plan, NULLIF(j.unit, '') AS "deviceId", j.trigger, j.seq,
       to_char(((j.due_at - interval '1 ms') AT TIME ZONE s.timezone)::date, 'YYYY-MM-DD') AS "dueDate",
       j.due_at AS "dueAt", r.id AS "recordId", r.state, r.assignee_id AS "assigneeId", r.completed_at AS "completedAt"
     FROM maintenance_jobs j JOIN maintenance_plans p ON p.id = j.plan_id JOIN service_records r ON r.id = j.record_id
       JOIN sites s ON s.id = p.site_id
     WHERE p.site_id = $1 AND j.due_at > $2 AND j.due_at <= $3`,
    [q.site, from, to],
  );
  const seen = new Set(
    made.filter((m) => m.trigger === 'calendar').map((m) => `${m.planId}/${m.deviceId ?? ''}/${m.seq}`),
  );
  const out: CalendarEntry[] = made.map(({ seq: _seq, ...m }) => ({
    ...m,
    overdue: m.completedAt === null && m.state !== 'cancelled' && m.dueAt <= now,
  }));
  for (const plan of await listPlans(db, { site: q.site })) {
    if (!plan.every) continue;
    for (const { unit } of await planUnits(db, plan)) {
      for (const o of await occurrences(db, plan, { fromSeq: 0, after: from, before: to, limit: 62 })) {
        if (seen.has(`${plan.id}/${unit}/${o.seq}`) || o.dueAt < plan.createdAt) continue;
        out.push({
          planId: plan.id,
          plan: plan.name,
          deviceId: unit || null,
          trigger: 'calendar',
          dueDate: o.dueDate,
          dueAt: o.dueAt,
          recordId: null,
          state: null,
          assigneeId: null,
          completedAt: null,
          overdue: false,
        });
      }
    }
  }
  return out.sort(
    (a, b) =>
      a.dueAt.getTime() - b.dueAt.getTime() ||
      a.planId - b.planId ||
      (a.deviceId ?? '').localeCompare(b.deviceId ?? ''),
  );
}
