/**
 * The managers' statistics ("three rates" table and its friends, docs/architecture.md) per site and period in
 * the site's time zone. Definitions: docs/service-records.md, "Statistics". Every rate carries its
 * numerator and denominator; a rate over nothing is null, not 100%.
 */
import { z } from 'zod';
import type { Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import { idSchema, requireSite } from '../sites.ts';
import { roundCounts } from './round-stats.ts';
import { STATES } from './types.ts';
import { getZone } from './zones.ts';

export const statsQuery = z.object({
  site: idSchema,
  period: z.enum(['day', 'week', 'month']),
  /** A local date in the period (YYYY-MM-DD); weeks start on Monday. */
  date: z.iso.date(),
  /** One zone of the site: its buildings' and areas' records, devices and rounds. */
  zone: idSchema.optional(),
});
export type StatsQuery = z.input<typeof statsQuery>;

export interface Rate {
  numerator: number;
  denominator: number;
  rate: number | null;
}
export const RATE_NAMES = [
  'timeliness',
  'satisfaction',
  'firstTimePass',
  'returnVisit',
  'classificationAccuracy',
  'urgentRepairTimeliness',
  'complaintResponse',
  'complaintResult',
  'equipmentIntact',
  'roundCompletion',
  'roundsOnTime',
  'equipmentIntactLift',
  'equipmentIntactPump',
  'equipmentIntactLighting',
  'equipmentIntactCctv',
  'planCompletion',
  'planOnTime',
] as const;
export type RateName = (typeof RATE_NAMES)[number];

export interface StepTime {
  /** Time spent in this state before leaving it. */
  state: string;
  count: number;
  meanS: number;
  p90S: number;
}

export interface SiteStats {
  site: string;
  period: 'day' | 'week' | 'month';
  date: string;
  /** The zone the figures are for; null: the whole site. */
  zone: string | null;
  timezone: string;
  from: Date;
  to: Date;
  /** Records received in the period, cancelled ones excluded. */
  records: number;
  rates: Record<RateName, Rate>;
  steps: StepTime[];
  /** Escalation steps taken because nobody acknowledged (docs/notifications.md), records and alerts. */
  notifyEscalations: number;
}

const rate = (numerator: number, denominator: number): Rate => ({
  numerator,
  denominator,
  rate: denominator === 0 ? null : numerator / denominator,
});

interface Row {
  id: number;
  type: string;
  priority: string;
  visitedAt: Date | null;
  acceptedAt: Date | null;
  visitSatisfied: boolean | null;
  reworkCount: number;
  reclassifiedCount: number;
  breaches: number;
  answerOnTime: boolean | null;
  resultOnTime: boolean | null;
}

/** Start and end instants of the local day, week or month containing `date`. */
async function periodBounds(db: Queryable, q: z.output<typeof statsQuery>) {
  const [row] = await db.query<{ from: Date; to: Date; timezone: string }>(
    `SELECT (date_trunc($2, $3::timestamp) AT TIME ZONE timezone) AS "from",
       ((date_trunc($2, $3::timestamp) + ('1 ' || $2)::interval) AT TIME ZONE timezone) AS "to", timezone
     FROM sites WHERE id = $1`,
    [q.site, q.period, q.date],
  );
  return row!;
}

function percentile90(sorted: number[]): number {
  return sorted[Math.max(0, Math.ceil(0.9 * sorted.length) - 1)] ?? 0;
}

/**
 * Mean and p90 (nearest rank) of the time spent in each state, from the history's state changes
 * taken in the order they happened (`at`; the row id only breaks ties). The output column is not
 * called `id`: ORDER BY would take that name for the output column, not the history's own id.
 */
async function stepTimes(db: Queryable, ids: number[]): Promise<StepTime[]> {
  const rows = await db.query<{ recordId: number; at: Date; to: string }>(
    `SELECT h.subject_id AS "recordId", h.at, h.to_state AS "to" FROM service_history h
     WHERE h.subject = 'record' AND h.subject_id = ANY($1::int[]) AND (h.from_state IS NULL OR h.from_state <> h.to_state)
     ORDER BY h.subject_id, h.at, h.id`,
    [ids],
  );
  const spans = new Map<string, number[]>();
  for (let i = 0; i + 1 < rows.length; i++) {
    const cur = rows[i]!;
    const next = rows[i + 1]!;
    if (next.recordId !== cur.recordId) continue;
    const list = spans.get(cur.to) ?? [];
    list.push((next.at.getTime() - cur.at.getTime()) / 1000);
    spans.set(cur.to, list);
  }
  return STATES.filter((s) => spans.has(s)).map((state) => {
    const list = spans.get(state)!.sort((a, b) => a - b);
    const mean = list.reduce((a, b) => a + b, 0) / list.length;
    return { state, count: list.length, meanS: Math.round(mean * 10) / 10, p90S: percentile90(list) };
  });
}

/**
 * Device-time healthy over device-time total: each device counts from registration (or the period
 * start) to revocation (or the period end, or now); it is down while the view device_downtime says
 * so (migrations/030: each occurrence of a device record until its recovery, the work completed or
 * the close; cancelled records are mistakes, not downtime).
 */
async function equipmentIntact(
  db: Queryable,
  site: string,
  from: Date,
  to: Date,
  buildings: string[] | null,
  kind: string | null = null,
): Promise<Rate> {
  const devices = await db.query<{ id: string; start: Date; end: Date }>(
    `SELECT id, GREATEST(created_at, $2) AS start, LEAST(COALESCE(revoked_at, $3), $3) AS "end"
     FROM devices WHERE site_id = $1 AND created_at < $3 AND (revoked_at IS NULL OR revoked_at > $2)
       AND ($4::text[] IS NULL OR building_id = ANY($4::text[]))
       AND ($5::text IS NULL OR kind = $5)`,
    [site, from, to, buildings, kind],
  );
  const faults = await db.query<{ deviceId: string; start: Date; end: Date }>(
    `SELECT device_id AS "deviceId", down_from AS start, COALESCE(down_until, $3) AS "end"
     FROM device_downtime WHERE site_id = $1 AND down_from < $3 AND COALESCE(down_until, $3) > $2
     ORDER BY device_id, down_from`,
    [site, from, to],
  );
  let total = 0;
  let down = 0;
  for (const d of devices) {
    const s0 = d.start.getTime();
    const e0 = d.end.getTime();
    if (e0 <= s0) continue;
    total += e0 - s0;
    let reach = s0; // union of the device's fault intervals, clipped to its window
    for (const f of faults.filter((x) => x.deviceId === d.id)) {
      const s = Math.max(f.start.getTime(), reach);
      const e = Math.min(f.end.getTime(), e0);
      if (e > s) {
        down += e - s;
        reach = e;
      }
    }
  }
  const toSeconds = (ms: number) => Math.round(ms / 1000);
  return rate(toSeconds(total - down), toSeconds(total));
}

/**
 * A record `r` at a zone's places: its buildings (or their areas) and its own areas, given as $4 and
 * $5 ($1 the site); both null: the whole site.
 */
const AT_ZONE = `($4::text[] IS NULL OR r.building_id = ANY($4::text[]) OR r.area_id = ANY($5::text[])
  OR r.area_id IN (SELECT a.id FROM areas a WHERE a.site_id = $1 AND a.building_id = ANY($4::text[])))`;

/**
 * Maintenance jobs due in the period (their due date's end falls in it, and has passed): completed
 * (the work done, `complete`) at all, and by the end of the due date. Abandoned jobs count as not done.
 */
async function planRates(
  db: Queryable,
  site: string,
  from: Date,
  until: Date,
  zone: { buildings: string[]; areas: string[] } | undefined,
) {
  const [row] = await db.query<{ due: number; done: number; onTime: number }>(
    `SELECT count(*)::int AS due, count(r.completed_at)::int AS done,
       count(*) FILTER (WHERE r.completed_at <= j.due_at)::int AS "onTime"
     FROM maintenance_jobs j JOIN service_records r ON r.id = j.record_id
     WHERE r.site_id = $1 AND j.due_at > $2 AND j.due_at <= $3 AND ${AT_ZONE}`,
    [site, from, until, zone?.buildings ?? null, zone?.areas ?? null],
  );
  return { completion: rate(row!.done, row!.due), onTime: rate(row!.onTime, row!.due) };
}

async function notifyEscalations(db: Queryable, site: string, from: Date, to: Date): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM service_history h
     WHERE h.action = 'notify_escalate' AND h.at >= $2 AND h.at < $3 AND (
       (h.subject = 'record' AND h.subject_id IN (SELECT id FROM service_records WHERE site_id = $1))
       OR (h.subject = 'alert' AND h.subject_id IN (SELECT id FROM patrol_alerts WHERE site_id = $1)))`,
    [site, from, to],
  );
  return row?.n ?? 0;
}

export async function siteStats(db: Queryable, query: StatsQuery, now: Date): Promise<SiteStats> {
  const q = parseInput(statsQuery, query, 'statistics query');
  await requireSite(db, q.site);
  const { from, to, timezone } = await periodBounds(db, q);
  // A zone's records are those at its buildings (or their areas) and its own areas.
  const zone = q.zone ? await getZone(db, q.site, q.zone) : undefined;
  const rows = await db.query<Row>(
    `SELECT r.id, r.type, r.priority, r.visited_at AS "visitedAt", r.accepted_at AS "acceptedAt",
       r.visit_satisfied AS "visitSatisfied", r.rework_count AS "reworkCount", r.reclassified_count AS "reclassifiedCount",
       (SELECT count(*)::int FROM sla_deadlines d JOIN sla_breaches b ON b.deadline_id = d.id
         WHERE d.subject = 'record' AND d.subject_id = r.id) AS breaches,
       (SELECT bool_and(d.met_at IS NOT NULL AND d.met_at <= d.due_at) FROM sla_deadlines d
         WHERE d.subject = 'record' AND d.subject_id = r.id AND d.step = 'complaint_answer') AS "answerOnTime",
       (SELECT bool_and(d.met_at IS NOT NULL AND d.met_at <= d.due_at) FROM sla_deadlines d
         WHERE d.subject = 'record' AND d.subject_id = r.id AND d.step = 'complaint_result') AS "resultOnTime"
     FROM service_records r
     WHERE r.site_id = $1 AND r.received_at >= $2 AND r.received_at < $3 AND r.state <> 'cancelled'
       AND ${AT_ZONE}`,
    [q.site, from, to, zone?.buildings ?? null, zone?.areas ?? null],
  );
  const count = (pred: (r: Row) => boolean, among: Row[] = rows) => among.filter(pred).length;
  const visited = rows.filter((r) => r.visitedAt);
  const accepted = rows.filter((r) => r.acceptedAt);
  const urgent = rows.filter(
    (r) => r.type === 'repair' && (r.priority === 'emergency' || r.priority === 'urgent'),
  );
  const complaints = rows.filter((r) => r.type === 'complaint');
  const until = new Date(Math.min(to.getTime(), now.getTime()));
  const rc = await roundCounts(db, { site: q.site, zone: q.zone ?? null, from, until });
  const intact = (kind: string | null) =>
    until > from
      ? equipmentIntact(db, q.site, from, until, zone?.buildings ?? null, kind)
      : Promise.resolve(rate(0, 0));
  const plans = await planRates(db, q.site, from, until, zone);
  return {
    site: q.site,
    period: q.period,
    date: q.date,
    zone: q.zone ?? null,
    timezone,
    from,
    to,
    records: rows.length,
    rates: {
      timeliness: rate(
        count((r) => r.breaches === 0),
        rows.length,
      ),
      satisfaction: rate(
        count((r) => r.visitSatisfied === true, visited),
        visited.length,
      ),
      firstTimePass: rate(
        count((r) => r.reworkCount === 0, accepted),
        accepted.length,
      ),
      returnVisit: rate(
        count((r) => r.visitedAt !== null, accepted),
        accepted.length,
      ),
      classificationAccuracy: rate(
        count((r) => r.reclassifiedCount === 0),
        rows.length,
      ),
      urgentRepairTimeliness: rate(
        count((r) => r.breaches === 0, urgent),
        urgent.length,
      ),
      complaintResponse: rate(
        count((r) => r.answerOnTime === true, complaints),
        complaints.length,
      ),
      complaintResult: rate(
        count((r) => r.resultOnTime === true, complaints),
        complaints.length,
      ),
      equipmentIntact: await intact(null),
      equipmentIntactLift: await intact('lift'),
      equipmentIntactPump: await intact('pump'),
      equipmentIntactLighting: await intact('lighting'),
      equipmentIntactCctv: await intact('cctv'),
      planCompletion: plans.completion,
      planOnTime: plans.onTime,
      roundCompletion: rate(rc.pointsConfirmed, rc.pointsDue),
      roundsOnTime: rate(rc.rounds - rc.lateRounds, rc.rounds),
    },
    steps: await stepTimes(
      db,
      rows.map((r) => r.id),
    ),
    notifyEscalations: await notifyEscalations(db, q.site, from, to),
  };
}
