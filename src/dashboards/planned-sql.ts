/**
 * The planned-work dashboard's SQL: maintenance jobs and inspection rounds counted as the
 * statistics count them (records/service/stats.ts planRates, round-stats.ts roundCounts;
 * docs/service-records.md, "Statistics"), over the dashboard's range instead of a day, week or
 * month, so a range set to a period shows the figures of `GET /stats` for it.
 */

/**
 * Jobs due in the range: their due time falls in (from, to] and has passed, as planRates takes
 * (from, min(to, now)]. A job's due time is the end of its local due date (or a meter job's).
 */
export const JOBS_DUE = `FROM maintenance_jobs j JOIN service_records r ON r.id = j.record_id
WHERE r.site_id = '$site' AND j.due_at > $__timeFrom()::timestamptz
  AND j.due_at <= LEAST($__timeTo()::timestamptz, now())`;

/** Completed (`complete`: the work done) at any time, and by the due time; abandoned jobs are neither. */
export const PLAN_RATES_SQL = `SELECT
  round(100.0 * count(r.completed_at) / NULLIF(count(*), 0), 1) AS completion_pct,
  round(100.0 * count(*) FILTER (WHERE r.completed_at <= j.due_at) / NULLIF(count(*), 0), 1) AS on_time_pct
${JOBS_DUE}`;

/** Per template (the plan's kind of work: lift half-monthly, tank cleaning...); due = done + overdue + abandoned. */
export const JOBS_BY_PLAN_KIND_SQL = `SELECT p.template AS plan_kind, count(*) AS due,
  count(r.completed_at) AS done,
  count(*) FILTER (WHERE r.completed_at IS NULL AND r.state <> 'cancelled') AS overdue,
  count(*) FILTER (WHERE r.completed_at IS NULL AND r.state = 'cancelled') AS abandoned
FROM maintenance_jobs j JOIN service_records r ON r.id = j.record_id JOIN maintenance_plans p ON p.id = j.plan_id
WHERE r.site_id = '$site' AND j.due_at > $__timeFrom()::timestamptz
  AND j.due_at <= LEAST($__timeTo()::timestamptz, now())
GROUP BY p.template ORDER BY p.template`;

/**
 * Overdue now, whatever the range, as the plan calendar says: not completed, not abandoned, past
 * its due time. Each row is the job's service record.
 */
export const OVERDUE_JOBS_SQL = `SELECT r.id, p.name AS plan, p.template AS plan_kind, NULLIF(j.unit, '') AS device_id,
  j.due_at, round((extract(epoch FROM now() - j.due_at) / 3600)::numeric, 1) AS overdue_h,
  r.state, r.assignee_id
FROM maintenance_jobs j JOIN service_records r ON r.id = j.record_id JOIN maintenance_plans p ON p.id = j.plan_id
WHERE r.site_id = '$site' AND r.completed_at IS NULL AND r.state <> 'cancelled' AND j.due_at <= now()
ORDER BY j.due_at LIMIT 500`;

/**
 * Rounds due in the range [from, min(to, now)), as roundCounts takes them: a scheduled round by its
 * time, an unscheduled one by its start. Late: finished late, still walking past its deadline, any
 * deadline of it breached (started late), or missed (whose open deadlines were voided, breached or
 * not, when it was). Points due:
 * the round's list, or for a round never started (due, missed) its route's checkpoints as they are.
 */
const ROUNDS_DUE = `WITH w AS (SELECT $__timeFrom()::timestamptz AS f, LEAST($__timeTo()::timestamptz, now()) AS t),
rd AS (
  SELECT r.id, r.state, r.route_id, r.zone_id, r.due_at, r.assignee_id, r.started_at, r.finished_at,
    (r.late OR r.state = 'missed' OR (r.state = 'in_progress' AND r.deadline_at < w.t) OR EXISTS (
      SELECT 1 FROM sla_deadlines d JOIN sla_breaches b ON b.deadline_id = d.id
      WHERE d.subject = 'round' AND d.subject_id = r.id)) AS late,
    CASE WHEN r.state IN ('due', 'missed')
      THEN (SELECT count(*) FROM round_checkpoints c WHERE c.site_id = r.site_id AND c.route_id = r.route_id AND c.active)
      ELSE (SELECT count(*) FROM round_points p WHERE p.round_id = r.id) END AS points_due,
    (SELECT count(*) FROM round_points p WHERE p.round_id = r.id AND p.state = 'confirmed') AS points_confirmed
  FROM rounds r, w
  WHERE r.site_id = '$site' AND r.due_at >= w.f AND r.due_at < w.t
)`;

/** Round completion (points confirmed / points due) and rounds on time (not late / rounds due). */
export const ROUND_RATES_SQL = `${ROUNDS_DUE}
SELECT round(100.0 * sum(points_confirmed) / NULLIF(sum(points_due), 0), 1) AS completion_pct,
  round(100.0 * count(*) FILTER (WHERE NOT late) / NULLIF(count(*), 0), 1) AS on_time_pct
FROM rd`;

/** Rounds missed in the range (never started before the schedule's next round came due). */
export const ROUNDS_MISSED_SQL = `${ROUNDS_DUE}
SELECT count(*) FILTER (WHERE state = 'missed') AS missed FROM rd`;

/** Per route: on time (or not late yet), late but walked, missed; they add up to the rounds due. */
export const ROUNDS_BY_ROUTE_SQL = `${ROUNDS_DUE}
SELECT rt.name AS route, count(*) FILTER (WHERE NOT rd.late AND rd.state <> 'missed') AS on_time,
  count(*) FILTER (WHERE rd.late AND rd.state <> 'missed') AS late,
  count(*) FILTER (WHERE rd.state = 'missed') AS missed
FROM rd JOIN round_routes rt ON rt.site_id = '$site' AND rt.id = rd.route_id
GROUP BY rt.name ORDER BY rt.name`;

/** The rounds of the range that were missed or late, newest first. */
export const ROUNDS_MISSED_LATE_SQL = `${ROUNDS_DUE}
SELECT rd.id, CASE WHEN rd.state = 'missed' THEN 'missed' ELSE 'late' END AS outcome, rt.name AS route,
  rd.zone_id AS zone, rd.state, rd.due_at, rd.started_at, rd.finished_at, rd.assignee_id,
  rd.points_confirmed, rd.points_due
FROM rd JOIN round_routes rt ON rt.site_id = '$site' AND rt.id = rd.route_id
WHERE rd.late OR rd.state = 'missed'
ORDER BY rd.due_at DESC LIMIT 500`;

/** Overdue maintenance jobs now: a count. */
export const OVERDUE_COUNT_SQL = `SELECT count(*) AS overdue
FROM maintenance_jobs j JOIN service_records r ON r.id = j.record_id
WHERE r.site_id = '$site' AND r.completed_at IS NULL AND r.state <> 'cancelled' AND j.due_at <= now()`;
