/**
 * The desk's top-level record operations: a report entered (or merged), an action taken. The steps
 * they share with device faults, merging and the watcher are in procedure.ts.
 */
import { dateOf } from '../../clock.ts';
import type { Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import { requireBuilding, requireSite } from '../sites.ts';
import type { DeskContext } from './context.ts';
import { pickAssignee } from './dispatch.ts';
import { jobWindowAfter } from './job-work.ts';
import { isAction } from './lifecycle.ts';
import { attachReport, findMergeCandidates, type MergeCandidate } from './merge.ts';
import { announce, applyAction, enterRecord } from './procedure.ts';
import { loadRecord } from './store.ts';
import {
  type Actor,
  type CreateRecordInput,
  createRecordInput,
  type ServiceRecord,
  serviceError,
} from './types.ts';

export interface Created {
  /** The new record, or the open record the call was merged into. */
  record: ServiceRecord;
  merged: boolean;
  /** Other open records about the same place, for the front desk to consider. */
  candidates: MergeCandidate[];
}

async function checkPlace(
  db: Queryable,
  i: { site: string; building?: string; area?: string; deviceId?: string },
) {
  await requireSite(db, i.site);
  if (i.building) await requireBuilding(db, i.site, i.building);
  if (
    i.area &&
    (await db.query('SELECT 1 FROM areas WHERE site_id = $1 AND id = $2', [i.site, i.area])).length === 0
  ) {
    throw serviceError('invalid-input', `area "${i.area}" does not exist in site "${i.site}"`);
  }
  if (
    i.deviceId &&
    (await db.query('SELECT 1 FROM devices WHERE id = $1 AND site_id = $2', [i.deviceId, i.site])).length ===
      0
  ) {
    throw serviceError('invalid-input', `device "${i.deviceId}" is not registered in site "${i.site}"`);
  }
}

/** A call, walk-in, staff report or supervisor's order. Merges into an open record when told to, or by device. */
export async function createRecord(
  ctx: DeskContext,
  input: CreateRecordInput,
  actor: Actor,
): Promise<Created> {
  const i = parseInput(createRecordInput, input, 'service record');
  const at = dateOf(ctx.now);
  const receivedAt = i.receivedAt && i.receivedAt < at ? i.receivedAt : at;
  await checkPlace(ctx.db, i);
  const report = {
    source: i.source,
    content: i.content,
    contactName: i.contactName,
    contactPhone: i.contactPhone,
    receivedAt,
  };
  let target = typeof i.merge === 'number' ? i.merge : undefined;
  if (i.merge === 'auto' && i.deviceId) {
    const [open] = await ctx.db.query<{ id: number }>(
      `SELECT id FROM service_records WHERE device_id = $1 AND state NOT IN ('closed', 'cancelled') ORDER BY id LIMIT 1`,
      [i.deviceId],
    );
    target = open?.id;
  }
  if (target !== undefined) {
    const record = await attachReport(ctx, target, report, actor);
    return { record, merged: true, candidates: [] };
  }
  const candidates = await findMergeCandidates(ctx.db, i);
  const title = i.title ?? (i.content.length > 60 ? `${i.content.slice(0, 59)}…` : i.content);
  const { record, breaches } = await ctx.db.transaction((tx) =>
    enterRecord(ctx, tx, { ...i, title, receivedAt }, actor, at),
  );
  await announce(ctx, 'create', actor, record, breaches);
  return { record, merged: false, candidates };
}

/**
 * transition(id, action, actor, payload): the API's one entry for every action. A dispatch
 * without an assignee goes to whoever the duty table says is on duty now.
 */
export async function transition(
  ctx: DeskContext,
  id: number,
  action: string,
  actor: Actor,
  payload: Record<string, unknown> = {},
): Promise<ServiceRecord> {
  if (!isAction(action)) throw serviceError('illegal-transition', `"${action}" is not an action on a record`);
  const at = dateOf(ctx.now);
  let p = payload;
  if ((action === 'dispatch' || action === 'reassign') && p.assigneeId === undefined) {
    const r = await loadRecord(ctx.db, id);
    const q = { site: r.site, trade: r.trade, building: r.building, area: r.area, at };
    p = { ...p, assigneeId: await pickAssignee(ctx.db, q) };
  } else if (typeof p.assigneeId === 'string') {
    const [staff] = await ctx.db.query('SELECT 1 FROM staff WHERE id = $1 AND active', [p.assigneeId]);
    if (!staff)
      throw serviceError('staff-not-found', `"${p.assigneeId}" is not active staff; see the duty table`);
  }
  const { record, breaches } = await ctx.db.transaction(async (tx) => {
    const done = await applyAction(ctx, tx, id, action, actor, p, at);
    // A maintenance job's work holds a window on its device (job-work.ts).
    await jobWindowAfter(ctx, tx, done.record, action, actor, at);
    return done;
  });
  await announce(ctx, action, actor, record, breaches);
  return record;
}
