/**
 * Inspection routes (巡检 / 巡更): a site's ordered checkpoints, each with a random code for its
 * printed QR link (scanning it is the proof of presence), and the schedules that make a route a
 * shift's round (the night lighting round). Rounds themselves are in rounds.ts.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import { idSchema, requireSite } from '../sites.ts';
import { serviceError, type Trade } from './types.ts';
import { getZone } from './zones.ts';

const KINDS = ['lift', 'pump', 'lighting', 'cctv'] as const;
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour, site local time)');

export const checkpointInput = z.object({
  name: z.string().trim().min(1).max(100),
  building: idSchema.optional(),
  area: idSchema.optional(),
  /** The device the point is at, if any (a lift machine room, a lighting panel). */
  deviceId: idSchema.optional(),
  location: z.string().trim().min(1).max(200).optional(),
});

export const routeInput = z.object({
  site: idSchema,
  id: idSchema,
  name: z.string().trim().min(1).max(100),
  /** security: a guards' patrol (巡更); engineering: an engineers' inspection (巡检). */
  trade: z.enum(['security', 'engineering']),
  zone: idSchema.optional(),
  /** Minutes from the start to the last point; omitted: the round_finish limit. */
  timeLimitMin: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
  /** Device kinds whose faults seen in the last `faultLookbackH` hours head the round's list. */
  faultKinds: z.array(z.enum(KINDS)).default([]),
  faultLookbackH: z.number().int().min(1).max(72).default(12),
  /** In walking order. */
  checkpoints: z.array(checkpointInput).min(1).max(200),
});
export type RouteInput = z.input<typeof routeInput>;

export const scheduleInput = z.object({
  site: idSchema,
  route: idSchema,
  /** ISO weekdays, 1 = Monday. */
  weekdays: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5, 6, 7]),
  starts: clockTime,
});
export type ScheduleInput = z.input<typeof scheduleInput>;

export interface Checkpoint {
  id: number;
  seq: number;
  code: string;
  name: string;
  building: string | null;
  area: string | null;
  deviceId: string | null;
  location: string | null;
}

export interface Schedule {
  id: number;
  site: string;
  route: string;
  weekdays: number[];
  starts: string;
}

export interface Route {
  site: string;
  id: string;
  name: string;
  trade: Trade;
  zone: string | null;
  timeLimitMin: number | null;
  faultKinds: string[];
  faultLookbackH: number;
  checkpoints: Checkpoint[];
  schedules: Schedule[];
}

const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** 12 characters of 31 (about 59 bits), like the residents' place codes: not guessable on a walk. */
function newCode(): string {
  return [...randomBytes(12)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

export const CHECKPOINT_COLUMNS = `id, seq, code, name, building_id AS building, area_id AS area, device_id AS "deviceId", location`;
const ROUTE_COLUMNS = `site_id AS site, id, name, trade, zone_id AS zone, time_limit_min AS "timeLimitMin",
  fault_kinds AS "faultKinds", fault_lookback_h AS "faultLookbackH"`;
const SCHEDULE_COLUMNS = `id, site_id AS site, route_id AS route, weekdays::int[] AS weekdays, to_char(starts, 'HH24:MI') AS starts`;

async function checkPlaces(db: Queryable, site: string, c: z.output<typeof checkpointInput>) {
  const checks: [string | undefined, string, string][] = [
    [c.building, 'SELECT 1 FROM buildings WHERE site_id = $1 AND id = $2', 'building'],
    [c.area, 'SELECT 1 FROM areas WHERE site_id = $1 AND id = $2', 'area'],
    [c.deviceId, 'SELECT 1 FROM devices WHERE site_id = $1 AND id = $2', 'device'],
  ];
  for (const [value, sql, what] of checks) {
    if (value && (await db.query(sql, [site, value])).length === 0)
      throw serviceError('invalid-input', `invalid checkpoint: ${what} "${value}" is not in site "${site}"`);
  }
}

export async function addRoute(db: Queryable, input: unknown, at: Date): Promise<Route> {
  const r = parseInput(routeInput, input, 'route');
  await requireSite(db, r.site);
  if (r.zone) await getZone(db, r.site, r.zone);
  for (const c of r.checkpoints) await checkPlaces(db, r.site, c);
  const [row] = await db.query(
    `INSERT INTO round_routes (site_id, id, name, trade, zone_id, time_limit_min, fault_kinds, fault_lookback_h, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id`,
    [
      r.site,
      r.id,
      r.name,
      r.trade,
      r.zone ?? null,
      r.timeLimitMin ?? null,
      r.faultKinds,
      r.faultLookbackH,
      at,
    ],
  );
  if (!row) throw serviceError('route-exists', `route "${r.id}" already exists in site "${r.site}"`);
  for (const [i, c] of r.checkpoints.entries()) {
    await db.query(
      `INSERT INTO round_checkpoints (site_id, route_id, seq, code, name, building_id, area_id, device_id, location, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        r.site,
        r.id,
        i + 1,
        newCode(),
        c.name,
        c.building ?? null,
        c.area ?? null,
        c.deviceId ?? null,
        c.location ?? null,
        at,
      ],
    );
  }
  return getRoute(db, r.site, r.id);
}

export async function getRoute(db: Queryable, site: string, id: string): Promise<Route> {
  const [route] = await db.query<Omit<Route, 'checkpoints' | 'schedules'>>(
    `SELECT ${ROUTE_COLUMNS} FROM round_routes WHERE site_id = $1 AND id = $2 AND active`,
    [site, id],
  );
  if (!route) throw serviceError('route-not-found', `route "${id}" does not exist in site "${site}"`);
  const checkpoints = await db.query<Checkpoint>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM round_checkpoints WHERE site_id = $1 AND route_id = $2 AND active ORDER BY seq`,
    [site, id],
  );
  const schedules = await db.query<Schedule>(
    `SELECT ${SCHEDULE_COLUMNS} FROM round_schedules WHERE site_id = $1 AND route_id = $2 AND active ORDER BY id`,
    [site, id],
  );
  return { ...route, checkpoints, schedules };
}

export async function listRoutes(db: Queryable, site: string): Promise<Route[]> {
  await requireSite(db, site);
  const ids = await db.query<{ id: string }>(
    'SELECT id FROM round_routes WHERE site_id = $1 AND active ORDER BY id COLLATE "C"',
    [site],
  );
  return Promise.all(ids.map((r) => getRoute(db, site, r.id)));
}

export async function addSchedule(db: Queryable, input: unknown, at: Date): Promise<Schedule> {
  const s = parseInput(scheduleInput, input, 'round schedule');
  await getRoute(db, s.site, s.route);
  const [row] = await db.query<Schedule>(
    `INSERT INTO round_schedules (site_id, route_id, weekdays, starts, created_at) VALUES ($1, $2, $3, $4, $5)
     RETURNING ${SCHEDULE_COLUMNS}`,
    [s.site, s.route, s.weekdays, s.starts, at],
  );
  return row!;
}

/**
 * Retires a route: no round is scheduled on it any more and it leaves the lists, while its rounds
 * and their points stay in the history. Rounds already open can still be walked to the end. One
 * statement, so the route and its schedules retire together. Its id is not given out again.
 */
export async function retireRoute(db: Queryable, site: string, id: string): Promise<void> {
  const rows = await db.query(
    `WITH s AS (UPDATE round_schedules SET active = false WHERE site_id = $1 AND route_id = $2)
     UPDATE round_routes SET active = false WHERE site_id = $1 AND id = $2 AND active RETURNING id`,
    [site, id],
  );
  if (rows.length === 0)
    throw serviceError('route-not-found', `route "${id}" does not exist in site "${site}"`);
}

/**
 * Takes a point off a route (a door walled up, a panel moved): rounds opened from now on skip it
 * and its printed code stops answering. Points already in an open round stay there. The last point
 * of a route cannot go: retire the route instead.
 */
export async function retireCheckpoint(
  db: Queryable,
  site: string,
  route: string,
  id: number,
): Promise<void> {
  const points = (await getRoute(db, site, route)).checkpoints;
  if (!points.some((c) => c.id === id))
    throw serviceError('checkpoint-not-found', `checkpoint ${id} is not on route "${route}"`);
  if (points.length === 1)
    throw serviceError(
      'last-checkpoint',
      `checkpoint ${id} is the last of route "${route}": retire the route instead`,
    );
  await db.query('UPDATE round_checkpoints SET active = false WHERE id = $1', [id]);
}

/** Ends a schedule: the route is no longer opened as a round at that time. */
export async function retireSchedule(db: Queryable, site: string, route: string, id: number): Promise<void> {
  const rows = await db.query(
    'UPDATE round_schedules SET active = false WHERE site_id = $1 AND route_id = $2 AND id = $3 AND active RETURNING id',
    [site, route, id],
  );
  if (rows.length === 0)
    throw serviceError('schedule-not-found', `schedule ${id} is not a schedule of route "${route}"`);
}

/** A checkpoint by the code of its QR link, with its route; undefined for a code nobody printed. */
export async function checkpointByCode(
  db: Queryable,
  code: string,
): Promise<(Checkpoint & { site: string; route: string }) | undefined> {
  const [row] = await db.query<Checkpoint & { site: string; route: string }>(
    `SELECT ${CHECKPOINT_COLUMNS}, site_id AS site, route_id AS route FROM round_checkpoints WHERE code = $1 AND active`,
    [code],
  );
  return row;
}
