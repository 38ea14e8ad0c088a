/** Reading rounds and their points; the list of devices a round checks first. */
import { z } from 'zod';
import type { Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import { idSchema } from '../sites.ts';
import { type Deadline, type HistoryEntry, instant, serviceError, type Trade } from './types.ts';

export const ROUND_STATES = ['due', 'in_progress', 'finished', 'missed'] as const;
export type RoundState = (typeof ROUND_STATES)[number];
export const POINT_STATES = ['due', 'confirmed', 'missed'] as const;

export interface Round {
  id: number;
  site: string;
  route: string;
  routeName: string;
  scheduleId: number | null;
  zone: string | null;
  trade: Trade;
  state: RoundState;
  /** The scheduled start (an unscheduled round: when it was started). */
  dueAt: Date;
  assigneeId: string | null;
  startedAt: Date | null;
  startedBy: string | null;
  /** started + the route's time limit: every point confirmed by then. */
  deadlineAt: Date | null;
  finishedAt: Date | null;
  finishedBy: string | null;
  /** Finished after its deadline, or still walking past it. */
  late: boolean;
  /** Of the round's points, how many are confirmed. */
  pointsConfirmed: number;
  pointsTotal: number;
}

export interface RoundPoint {
  id: number;
  /** Walking order: faulty devices first (negative), then the route's checkpoints 1..n. */
  seq: number;
  checkpointId: number | null;
  deviceId: string | null;
  recordId: number | null;
  faultCode: string | null;
  name: string;
  location: string | null;
  state: (typeof POINT_STATES)[number];
  confirmedAt: Date | null;
  confirmedBy: string | null;
  note: string | null;
  findingRecordId: number | null;
}

export interface RoundDetail extends Round {
  points: RoundPoint[];
  deadlines: Deadline[];
  /** Scheduled, started, each point confirmed (and those missed with it), findings, finished, breaches. */
  history: HistoryEntry[];
}

const COLUMNS = `r.id, r.site_id AS site, r.route_id AS route,
  rr.name AS "routeName", r.schedule_id AS "scheduleId", r.zone_id AS zone, r.trade, r.state, r.due_at AS "dueAt",
  r.assignee_id AS "assigneeId", r.started_at AS "startedAt", r.started_by AS "startedBy",
  r.deadline_at AS "deadlineAt", r.finished_at AS "finishedAt", r.finished_by AS "finishedBy",
  r.late,
  (SELECT count(*) FILTER (WHERE p.state = 'confirmed') FROM round_points p WHERE p.round_id = r.id)::int
    AS "pointsConfirmed",
  (SELECT count(*) FROM round_points p WHERE p.round_id = r.id)::int AS "pointsTotal"`;
const FROM = 'rounds r JOIN round_routes rr ON rr.site_id = r.site_id AND rr.id = r.route_id';
const POINT_COLUMNS = `id, seq, checkpoint_id AS "checkpointId", device_id AS "deviceId", record_id AS "recordId",
  fault_code AS "faultCode", name, location, state, confirmed_at AS "confirmedAt", confirmed_by AS "confirmedBy",
  note, finding_record_id AS "findingRecordId"`;

/** `late` as stored (finished late) or as it stands (still walking past the deadline). */
const asOf =
  (now: Date) =>
  (r: Round): Round => ({
    ...r,
    late: r.late || (r.state === 'in_progress' && r.deadlineAt !== null && r.deadlineAt < now),
  });

export async function loadRound(db: Queryable, id: number, now: Date, lock = false): Promise<Round> {
  const [row] = await db.query<Round>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE r.id = $1${lock ? ' FOR UPDATE OF r' : ''}`,
    [id],
  );
  if (!row) throw serviceError('round-not-found', `round ${id} does not exist`);
  return asOf(now)(row);
}

export async function roundPoints(db: Queryable, id: number): Promise<RoundPoint[]> {
  return db.query<RoundPoint>(`SELECT ${POINT_COLUMNS} FROM round_points WHERE round_id = $1 ORDER BY seq`, [
    id,
  ]);
}

export async function getRound(db: Queryable, id: number, now: Date): Promise<RoundDetail> {
  const round = await loadRound(db, id, now);
  const deadlines = await db.query<Deadline>(
    `SELECT d.id, d.step, d.round, d.due_at AS "dueAt", d.met_at AS "metAt", d.void_at AS "voidAt",
       b.breached_at AS "breachedAt"
     FROM sla_deadlines d LEFT JOIN sla_breaches b ON b.deadline_id = d.id
     WHERE d.subject = 'round' AND d.subject_id = $1 ORDER BY d.due_at, d.id`,
    [id],
  );
  const history = await db.query<HistoryEntry>(
    `SELECT id, at, actor_id AS "actorId", actor_role AS "actorRole", action, from_state AS "from", to_state AS "to",
       note, data FROM service_history WHERE subject = 'round' AND subject_id = $1 ORDER BY id`,
    [id],
  );
  return { ...round, points: await roundPoints(db, id), deadlines, history };
}

export const listRoundsFilter = z.object({
  site: idSchema.optional(),
  /** Only these sites (a person limited to some: the API's site scope). */
  sites: z.array(idSchema).optional(),
  state: z.array(z.enum(ROUND_STATES)).optional(),
  assignee: idSchema.optional(),
  zone: idSchema.optional(),
  /** due_at range, [from, to). */
  from: instant.optional(),
  to: instant.optional(),
  limit: z.number().int().min(1).max(500).default(50),
});
export type ListRoundsFilter = z.input<typeof listRoundsFilter>;

/** Newest due first. */
export async function listRounds(db: Queryable, filter: unknown, now: Date): Promise<Round[]> {
  const f = parseInput(listRoundsFilter, filter, 'round filter');
  const rows = await db.query<Round>(
    `SELECT ${COLUMNS} FROM ${FROM}
     WHERE ($1::text IS NULL OR r.site_id = $1) AND ($2::text[] IS NULL OR r.state = ANY($2::text[]))
       AND ($3::text IS NULL OR r.assignee_id = $3 OR r.started_by = $3) AND ($4::text IS NULL OR r.zone_id = $4)
       AND ($5::timestamptz IS NULL OR r.due_at >= $5) AND ($6::timestamptz IS NULL OR r.due_at < $6)
       AND ($8::text[] IS NULL OR r.site_id = ANY($8::text[]))
     ORDER BY r.due_at DESC, r.id DESC LIMIT $7`,
    [
      f.site ?? null,
      f.state ?? null,
      f.assignee ?? null,
      f.zone ?? null,
      f.from ?? null,
      f.to ?? null,
      f.limit,
      f.sites ?? null,
    ],
  );
  return rows.map(asOf(now));
}

export interface FaultyDevice {
  deviceId: string;
  kind: string;
  location: string | null;
  recordId: number;
  faultCode: string | null;
  title: string;
}

/**
 * Devices of these kinds the platform saw faulty: a fault occurrence since `since` (overnight,
 * recovered or not: a circuit that tripped and came back is worth a look), or an open device
 * record not recovered. In the zone's buildings when the route has a zone with buildings (a device
 * with no building counts everywhere). Kinds in the route's order, then device id.
 */
export async function faultyDevices(
  db: Queryable,
  q: { site: string; kinds: readonly string[]; since: Date; buildings: readonly string[] | null },
): Promise<FaultyDevice[]> {
  if (q.kinds.length === 0) return [];
  return db.query<FaultyDevice>(
    `SELECT d.id AS "deviceId", d.kind, d.location, f.id AS "recordId", f.fault_code AS "faultCode", f.title
     FROM devices d JOIN LATERAL (
       SELECT r.id, r.fault_code, r.title FROM service_records r
       WHERE r.device_id = d.id AND r.source = 'device' AND r.state <> 'cancelled'
         AND ((r.state <> 'closed' AND r.recovered_at IS NULL)
           OR EXISTS (SELECT 1 FROM device_fault_occurrences o WHERE o.record_id = r.id AND o.occurred_at >= $3))
       ORDER BY r.id DESC LIMIT 1) f ON true
     WHERE d.site_id = $1 AND d.kind = ANY($2::text[]) AND d.revoked_at IS NULL
       AND ($4::text[] IS NULL OR d.building_id IS NULL OR d.building_id = ANY($4::text[]))
     ORDER BY array_position($2::text[], d.kind), d.id COLLATE "C"`,
    [q.site, q.kinds, q.since, q.buildings],
  );
}
