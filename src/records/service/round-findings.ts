/** A finding on a round: what the walker saw at a point becomes a service record there. */
import { z } from 'zod';
import { dateOf } from '../../clock.ts';
import { parseInput } from '../errors.ts';
import type { DeskContext } from './context.ts';
import { createRecord } from './records.ts';
import { getRound, loadRound, roundPoints } from './round-reads.ts';
import { history, mayWalk } from './rounds.ts';
import { type Actor, PRIORITIES, RECORD_TYPES, serviceError, TRADES } from './types.ts';

export const findingInput = z.object({
  point: z.number().int().positive(),
  content: z.string().trim().min(1).max(4000),
  type: z.enum(RECORD_TYPES).default('repair'),
  /** Default engineering: what a round finds is mostly a repair, whoever walks it. */
  trade: z.enum(TRADES).default('engineering'),
  priority: z.enum(PRIORITIES).default('normal'),
});

/**
 * A finding at a confirmed point becomes a service record (source staff) at the point's place; at
 * a device with an open record it joins that record, as a resident's call would.
 */
export async function reportFinding(ctx: DeskContext, id: number, input: unknown, actor: Actor) {
  const f = parseInput(findingInput, input, 'finding');
  const at = dateOf(ctx.now);
  const round = await loadRound(ctx.db, id, at);
  mayWalk(round, actor);
  const point = (await roundPoints(ctx.db, id)).find((p) => p.id === f.point);
  if (!point) throw serviceError('checkpoint-not-found', `point ${f.point} is not in round ${id}`);
  if (point.state !== 'confirmed')
    throw serviceError(
      'illegal-transition',
      `round ${id}: confirm point "${point.name}" before reporting there`,
    );
  const [place] = point.checkpointId
    ? await ctx.db.query<{ building: string | null; area: string | null }>(
        'SELECT building_id AS building, area_id AS area FROM round_checkpoints WHERE id = $1',
        [point.checkpointId],
      )
    : [];
  const created = await createRecord(
    ctx,
    {
      site: round.site,
      source: 'staff',
      type: f.type,
      trade: f.trade,
      priority: f.priority,
      content: f.content,
      location: point.location ?? point.name,
      ...(place?.building ? { building: place.building } : {}),
      ...(place?.area ? { area: place.area } : {}),
      ...(point.deviceId ? { deviceId: point.deviceId } : {}),
    },
    actor,
  );
  await ctx.db.transaction(async (tx) => {
    await tx.query('UPDATE round_points SET finding_record_id = $2 WHERE id = $1', [
      point.id,
      created.record.id,
    ]);
    await history(tx, id, at, actor, 'finding', round.state, round.state, f.content, {
      point: point.id,
      record: created.record.id,
    });
  });
  return { ...created, round: await getRound(ctx.db, id, at) };
}
