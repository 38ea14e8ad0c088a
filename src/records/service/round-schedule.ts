/**
 * Scheduled rounds come due on the desk's clock: before each watcher pass, every schedule whose
 * time has come (in the site's local time, on one of its weekdays, in the last day) gets its round,
 * once, assigned like a slip: the route's zone person on duty, else the duty table. The round must
 * be started within the round_start limit; one never started is missed when the next comes due.
 */

import { RecordsError } from '../errors.ts';
import { limitsFor } from './clock.ts';
import type { DeskContext } from './context.ts';
import { pickDuty } from './dispatch.ts';
import { addDeadlines, voidOpenDeadlines } from './sla.ts';
import { appendHistory } from './store.ts';

const SCHEDULER = { id: 'round-schedule', role: 'service' } as const;

interface DueSchedule {
  scheduleId: number;
  site: string;
  route: string;
  zone: string | null;
  trade: string;
  dueAt: Date;
}

export async function openDueRounds(ctx: DeskContext, at: Date): Promise<number[]> {
  const due = await ctx.db.query<DueSchedule>(
    `WITH c AS (
       SELECT s.id, s.site_id, s.route_id, s.weekdays, s.created_at, rr.zone_id, rr.trade, st.timezone,
         date_trunc('day', $1::timestamptz AT TIME ZONE st.timezone) - k.d * interval '1 day' + s.starts AS local_due
       FROM round_schedules s JOIN sites st ON st.id = s.site_id
         JOIN round_routes rr ON rr.site_id = s.site_id AND rr.id = s.route_id AND rr.active
         CROSS JOIN (VALUES (0), (1)) AS k(d)
       WHERE s.active)
     SELECT c.id AS "scheduleId", c.site_id AS site, c.route_id AS route, c.zone_id AS zone, c.trade,
       c.local_due AT TIME ZONE c.timezone AS "dueAt"
     FROM c WHERE EXTRACT(ISODOW FROM c.local_due)::int = ANY(c.weekdays)
       AND c.local_due AT TIME ZONE c.timezone <= $1 AND c.local_due AT TIME ZONE c.timezone > $1 - interval '1 day'
       AND c.local_due AT TIME ZONE c.timezone >= c.created_at
       AND NOT EXISTS (SELECT 1 FROM rounds r WHERE r.schedule_id = c.id AND r.due_at = c.local_due AT TIME ZONE c.timezone)
     ORDER BY 6, 1`,
    [at],
  );
  const opened: number[] = [];
  for (const d of due) {
    const assignee = await pickDuty(ctx.db, { site: d.site, trade: d.trade, zone: d.zone, at: d.dueAt }).then(
      (p) => p.staffId,
      (err: unknown) => {
        // Nobody to give it to is the duty table's gap to fix; the round is still due and timed.
        if (err instanceof RecordsError && err.code === 'no-assignee') return null;
        throw err;
      },
    );
    const id = await ctx.db.transaction(async (tx) => {
      const [row] = await tx.query<{ id: number }>(
        `INSERT INTO rounds (site_id, route_id, schedule_id, zone_id, trade, state, due_at, assignee_id, created_at)
         VALUES ($1, $2, $3, $4, $5, 'due', $6, $7, $8) ON CONFLICT (schedule_id, due_at) DO NOTHING RETURNING id`,
        [d.site, d.route, d.scheduleId, d.zone, d.trade, d.dueAt, assignee, at],
      );
      if (!row) return undefined;
      await appendHistory(tx, 'round', row.id, {
        at,
        actor: SCHEDULER,
        action: 'schedule',
        from: null,
        to: 'due',
      });
      // The schedule's round before this one, never started, is missed: nobody walks it any more.
      const missed = await tx.query<{ id: number }>(
        `UPDATE rounds SET state = 'missed', finished_at = $3 WHERE schedule_id = $1 AND state = 'due' AND due_at < $2
         RETURNING id`,
        [d.scheduleId, d.dueAt, at],
      );
      for (const m of missed) {
        await voidOpenDeadlines(tx, 'round', m.id, at);
        await appendHistory(tx, 'round', m.id, {
          at,
          actor: SCHEDULER,
          action: 'miss',
          from: 'due',
          to: 'missed',
        });
      }
      const l = await limitsFor(tx, d.site, null, ctx.limits);
      await addDeadlines(tx, 'round', row.id, d.site, [
        { step: 'round_start', dueAt: new Date(d.dueAt.getTime() + l.round_start) },
      ]);
      return row.id;
    });
    if (id !== undefined) opened.push(id);
  }
  return opened;
}
