/**
 * Round statistics (docs/service-records.md, "Statistics"): the round completion rate, points
 * confirmed over points due, and rounds on time, rounds neither started late nor finished late over
 * rounds due. Rounds due in the period up to now count; a round never started (due or missed) has all
 * its route's checkpoints due and none confirmed, and is late by its round_start breach, or for
 * being missed.
 */
import type { Queryable } from '../db.ts';

export interface RoundCounts {
  rounds: number;
  lateRounds: number;
  pointsDue: number;
  pointsConfirmed: number;
}

export async function roundCounts(
  db: Queryable,
  q: { site: string; zone: string | null; from: Date; until: Date },
): Promise<RoundCounts> {
  const [row] = await db.query<RoundCounts>(
    `WITH r AS (
       SELECT r.id, r.state, r.route_id, r.late,
         EXISTS (SELECT 1 FROM sla_deadlines d JOIN sla_breaches b ON b.deadline_id = d.id
           WHERE d.subject = 'round' AND d.subject_id = r.id) AS breached,
         (r.state = 'in_progress' AND r.deadline_at < $4) AS overdue
       FROM rounds r
       WHERE r.site_id = $1 AND ($2::text IS NULL OR r.zone_id = $2) AND r.due_at >= $3 AND r.due_at < $4)
     SELECT count(*)::int AS rounds,
       -- Missed: never walked, so not on time, breach or none (missing voids its open deadlines).
       count(*) FILTER (WHERE r.late OR r.breached OR r.overdue OR r.state = 'missed')::int AS "lateRounds",
       (COALESCE(sum(CASE WHEN r.state IN ('due', 'missed')
          THEN (SELECT count(*) FROM round_checkpoints c WHERE c.site_id = $1 AND c.route_id = r.route_id AND c.active)
          ELSE (SELECT count(*) FROM round_points p WHERE p.round_id = r.id) END), 0))::int AS "pointsDue",
       (COALESCE(sum((SELECT count(*) FROM round_points p WHERE p.round_id = r.id AND p.state = 'confirmed')), 0))::int
         AS "pointsConfirmed"
     FROM r`,
    [q.site, q.zone, q.from, q.until],
  );
  return row!;
}
