/**
 * Walking a round (巡检 / 巡更): started by a guard or engineer, each point confirmed in order (a
 * checkpoint by scanning its QR code, a faulty device at the head of the list by a tap after
 * looking at it), finished within the route's time. A point passed over is missed; a round
 * finished after its deadline is late and breached on the desk's clock like any other deadline.
 */
import { z } from 'zod';
import { dateOf } from '../../clock.ts';
import type { Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import { idSchema } from '../sites.ts';
import { limitsFor } from './clock.ts';
import type { DeskContext } from './context.ts';
import { notifyFor } from './dispatch.ts';
import {
  faultyDevices,
  getRound,
  loadRound,
  type Round,
  type RoundDetail,
  roundPoints,
} from './round-reads.ts';
import { getRoute } from './round-routes.ts';
import { addDeadlines, type Breach, meetSteps } from './sla.ts';
import { appendHistory } from './store.ts';
import { type Actor, type Role, serviceError } from './types.ts';
import { getZone } from './zones.ts';

/** Who walks rounds, and who may step in for the one walking. */
const WALKERS: readonly Role[] = ['guard', 'engineer', 'supervisor', 'manager'];
const OVERSEERS: readonly Role[] = ['supervisor', 'manager'];

export const startRoundInput = z.union([
  z.object({ round: z.number().int().positive() }),
  z.object({ site: idSchema, route: idSchema }),
]);
export const confirmInput = z
  .object({
    /** The code of the checkpoint's QR link (scanned or opened): proof of presence. */
    code: z
      .string()
      .regex(/^[A-Z0-9]{6,32}$/)
      .optional(),
    /** A faulty device's point, confirmed by a tap: it has no code of its own. */
    point: z.number().int().positive().optional(),
    note: z.string().trim().min(1).max(2000).optional(),
  })
  .refine(
    (c) => (c.code === undefined) !== (c.point === undefined),
    'give the code or the point, one of them',
  );

async function emitBreaches(ctx: DeskContext, breaches: readonly Breach[]): Promise<void> {
  for (const breach of breaches)
    ctx.events.emit({ type: 'breach', breach, notify: await notifyFor(ctx.db, breach) });
}

export function mayWalk(round: Round, actor: Actor): void {
  if (!WALKERS.includes(actor.role))
    throw serviceError('forbidden', `role ${actor.role} may not walk an inspection round`);
  if (round.startedBy && round.startedBy !== actor.id && !OVERSEERS.includes(actor.role))
    throw serviceError('forbidden', `round ${round.id} is walked by ${round.startedBy}`);
}

export async function history(
  tx: Queryable,
  id: number,
  at: Date,
  actor: Actor,
  action: string,
  from: string | null,
  to: string,
  note?: string,
  data?: unknown,
) {
  await appendHistory(tx, 'round', id, { at, actor, action, from, to, note, data });
}

/** The list of a started round: the devices seen faulty first, then the route's checkpoints in order. */
async function addPoints(ctx: DeskContext, tx: Queryable, round: Round, at: Date): Promise<void> {
  const route = await getRoute(tx, round.site, round.route);
  const zone = route.zone ? await getZone(tx, round.site, route.zone) : undefined;
  const faulty = await faultyDevices(tx, {
    site: round.site,
    kinds: route.faultKinds,
    since: new Date(at.getTime() - route.faultLookbackH * 3_600_000),
    buildings: zone && zone.buildings.length > 0 ? zone.buildings : null,
  });
  const rows = [
    ...faulty.map((f, i) => ({
      seq: i - faulty.length,
      checkpointId: null,
      deviceId: f.deviceId,
      recordId: f.recordId,
      faultCode: f.faultCode,
      name: f.title,
      location: f.location,
    })),
    ...route.checkpoints.map((c) => ({
      seq: c.seq,
      checkpointId: c.id,
      deviceId: c.deviceId,
      recordId: null,
      faultCode: null,
      name: c.name,
      location: c.location,
    })),
  ];
  for (const p of rows) {
    await tx.query(
      `INSERT INTO round_points (round_id, seq, checkpoint_id, device_id, record_id, fault_code, name, location, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'due')`,
      [round.id, p.seq, p.checkpointId, p.deviceId, p.recordId, p.faultCode, p.name, p.location],
    );
  }
  ctx.log.debug({ round: round.id, faulty: faulty.length }, 'round list drawn up');
}

/** Starts a scheduled round, or an unscheduled one of a route at once. */
export async function startRound(ctx: DeskContext, input: unknown, actor: Actor): Promise<RoundDetail> {
  const i = parseInput(startRoundInput, input, 'round start');
  const at = dateOf(ctx.now);
  const breaches = await ctx.db.transaction(async (tx) => {
    let id: number;
    if ('round' in i) {
      id = i.round;
    } else {
      const route = await getRoute(tx, i.site, i.route);
      const [row] = await tx.query<{ id: number }>(
        `INSERT INTO rounds (site_id, route_id, zone_id, trade, state, due_at, assignee_id, created_at)
         VALUES ($1, $2, $3, $4, 'due', $5, $6, $5) RETURNING id`,
        [route.site, route.id, route.zone, route.trade, at, actor.id],
      );
      id = row!.id;
      await history(tx, id, at, actor, 'create', null, 'due');
    }
    const round = await loadRound(tx, id, at, true);
    mayWalk(round, actor);
    if (round.state !== 'due')
      throw serviceError('illegal-transition', `round ${id}: cannot start, it is ${round.state}`);
    const route = await getRoute(tx, round.site, round.route);
    const l = await limitsFor(tx, round.site, null, ctx.limits);
    const deadline = new Date(
      at.getTime() + (route.timeLimitMin ? route.timeLimitMin * 60_000 : l.round_finish),
    );
    await tx.query(
      `UPDATE rounds SET state = 'in_progress', started_at = $2, started_by = $3, deadline_at = $4,
         assignee_id = COALESCE(assignee_id, $3) WHERE id = $1`,
      [id, at, actor.id, deadline],
    );
    await addPoints(ctx, tx, round, at);
    await history(tx, id, at, actor, 'start', 'due', 'in_progress');
    await addDeadlines(tx, 'round', id, round.site, [{ step: 'round_finish', dueAt: deadline }]);
    return { id, found: await meetSteps(tx, 'round', id, ['round_start'], at) };
  });
  await emitBreaches(ctx, breaches.found);
  return getRound(ctx.db, breaches.id, at);
}

/**
 * Confirms a point. Points come in order: the due points before it are missed (passed over), and
 * a point confirmed or missed cannot be confirmed again. The last point confirmed ends the round.
 */
export async function confirmPoint(
  ctx: DeskContext,
  id: number,
  input: unknown,
  actor: Actor,
): Promise<RoundDetail> {
  const c = parseInput(confirmInput, input, 'point confirmation');
  const at = dateOf(ctx.now);
  const breaches = await ctx.db.transaction(async (tx) => {
    const round = await loadRound(tx, id, at, true);
    mayWalk(round, actor);
    if (round.state !== 'in_progress')
      throw serviceError('illegal-transition', `round ${id}: cannot confirm a point, it is ${round.state}`);
    const points = await roundPoints(tx, id);
    let point: (typeof points)[number] | undefined;
    if (c.code !== undefined) {
      const [cp] = await tx.query<{ id: number }>('SELECT id FROM round_checkpoints WHERE code = $1', [
        c.code,
      ]);
      point = points.find((p) => cp && p.checkpointId === cp.id);
      if (!point) throw serviceError('checkpoint-not-found', `that code is not a point of round ${id}`);
    } else {
      point = points.find((p) => p.id === c.point);
      if (!point) throw serviceError('checkpoint-not-found', `point ${c.point} is not in round ${id}`);
      if (point.checkpointId !== null)
        throw serviceError('invalid-input', `invalid point confirmation: point ${point.id}: scan its code`);
    }
    if (point.state !== 'due')
      throw serviceError(
        'illegal-transition',
        `round ${id}: point "${point.name}" is already ${point.state}`,
      );
    const skipped = await tx.query<{ id: number }>(
      `UPDATE round_points SET state = 'missed' WHERE round_id = $1 AND state = 'due' AND seq < $2 RETURNING id`,
      [id, point.seq],
    );
    await tx.query(
      `UPDATE round_points SET state = 'confirmed', confirmed_at = $2, confirmed_by = $3, note = $4 WHERE id = $1`,
      [point.id, at, actor.id, c.note ?? null],
    );
    await history(tx, id, at, actor, 'confirm', 'in_progress', 'in_progress', c.note, {
      point: point.id,
      missed: skipped.map((s) => s.id),
    });
    const left = points.filter((p) => p.state === 'due' && p.seq > point.seq).length;
    return left === 0 ? finishIn(tx, round, at, actor) : [];
  });
  await emitBreaches(ctx, breaches);
  return getRound(ctx.db, id, at);
}

async function finishIn(tx: Queryable, round: Round, at: Date, actor: Actor): Promise<Breach[]> {
  const missed = await tx.query<{ id: number }>(
    `UPDATE round_points SET state = 'missed' WHERE round_id = $1 AND state = 'due' RETURNING id`,
    [round.id],
  );
  const late = round.deadlineAt !== null && at > round.deadlineAt;
  await tx.query(
    `UPDATE rounds SET state = 'finished', finished_at = $2, finished_by = $3, late = $4 WHERE id = $1`,
    [round.id, at, actor.id, late],
  );
  await history(tx, round.id, at, actor, 'finish', 'in_progress', 'finished', undefined, {
    missed: missed.map((m) => m.id),
    late,
  });
  return meetSteps(tx, 'round', round.id, ['round_finish'], at);
}

/** Ends a round: the points not confirmed are missed; after the deadline it is late (and breached). */
export async function finishRound(ctx: DeskContext, id: number, actor: Actor): Promise<RoundDetail> {
  const at = dateOf(ctx.now);
  const breaches = await ctx.db.transaction(async (tx) => {
    const round = await loadRound(tx, id, at, true);
    mayWalk(round, actor);
    if (round.state !== 'in_progress')
      throw serviceError('illegal-transition', `round ${id}: cannot finish, it is ${round.state}`);
    return finishIn(tx, round, at, actor);
  });
  await emitBreaches(ctx, breaches);
  return getRound(ctx.db, id, at);
}
