/** Entering records and moving them through the procedure; every change is one transaction. */
import type { Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import { requireBuilding, requireSite } from '../sites.ts';
import { deadlinesOnCreate, deadlinesOnEnter, limitsFor, MEETS, VOIDING_STATES } from './clock.ts';
import { type DeskContext, endOfLocalDay } from './context.ts';
import { notifyFor, pickAssignee } from './dispatch.ts';
import { type Action, decide, isAction } from './lifecycle.ts';
import { attachReport, findMergeCandidates, type MergeCandidate } from './merge.ts';
import { addDeadlines, type Breach, meetSteps, voidOpenDeadlines } from './sla.ts';
import { appendHistory, insertRecord, loadRecord, type NewRecord, updateRecord } from './store.ts';
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

/** Emits what a committed change produced, in order. */
export async function announce(
  ctx: DeskContext,
  action: string,
  actor: Actor,
  record: ServiceRecord,
  breaches: readonly Breach[],
): Promise<void> {
  ctx.events.emit({ type: 'record', action, actor, record });
  for (const breach of breaches)
    ctx.events.emit({ type: 'breach', breach, notify: await notifyFor(ctx.db, breach) });
}

/**
 * Inserts a record in state received with its first deadlines (step "received"); the 1-minute
 * recording limit is met, or breached, at this moment.
 */
export async function enterRecord(
  ctx: DeskContext,
  tx: Queryable,
  r: NewRecord,
  actor: Actor,
  at: Date,
): Promise<{ record: ServiceRecord; breaches: Breach[] }> {
  const record = await insertRecord(tx, r, actor, at);
  await appendHistory(tx, 'record', record.id, { at, actor, action: 'create', from: null, to: 'received' });
  const limits = await limitsFor(tx, record.site, record.type, ctx.limits);
  await addDeadlines(tx, 'record', record.id, record.site, deadlinesOnCreate(record, limits));
  const breaches = await meetSteps(tx, 'record', record.id, ['record'], at);
  for (const b of breaches) {
    await appendHistory(tx, 'record', record.id, {
      at,
      actor,
      action: 'breach',
      from: 'received',
      to: 'received',
      note: b.step,
    });
  }
  return { record, breaches };
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
  const at = ctx.now();
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

/** Applies one action of the procedure under a row lock, so concurrent actions cannot skip a state. */
export async function applyAction(
  ctx: DeskContext,
  tx: Queryable,
  id: number,
  action: Action,
  actor: Actor,
  payload: unknown,
  at: Date,
): Promise<{ record: ServiceRecord; breaches: Breach[] }> {
  const before = await loadRecord(tx, id, true);
  const outcome = decide(before, action, actor, payload, at);
  const patch = { ...outcome.patch };
  if (outcome.to !== before.state) Object.assign(patch, { state: outcome.to, state_since: at });
  const record = Object.keys(patch).length > 0 ? await updateRecord(tx, id, patch) : before;
  await appendHistory(tx, 'record', id, {
    at,
    actor,
    action,
    from: before.state,
    to: outcome.to,
    note: outcome.note,
    data: Object.keys(outcome.patch).length > 0 ? outcome.patch : undefined,
  });
  const breaches = await meetSteps(tx, 'record', id, MEETS[action] ?? [], at);
  for (const b of breaches) {
    await appendHistory(tx, 'record', id, {
      at,
      actor,
      action: 'breach',
      from: outcome.to,
      to: outcome.to,
      note: b.step,
    });
  }
  if (VOIDING_STATES.includes(outcome.to)) {
    await voidOpenDeadlines(tx, 'record', id, at);
  } else {
    const limits = await limitsFor(tx, record.site, record.type, ctx.limits);
    const eod = action === 'escalate' ? await endOfLocalDay(tx, record.site, at) : at;
    await addDeadlines(tx, 'record', id, record.site, deadlinesOnEnter(record, action, at, limits, eod));
  }
  return { record, breaches };
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
  const at = ctx.now();
  let p = payload;
  if ((action === 'dispatch' || action === 'reassign') && p.assigneeId === undefined) {
    const r = await loadRecord(ctx.db, id);
    p = { ...p, assigneeId: await pickAssignee(ctx.db, { site: r.site, trade: r.trade, area: r.area, at }) };
  } else if (typeof p.assigneeId === 'string') {
    const [staff] = await ctx.db.query('SELECT 1 FROM staff WHERE id = $1 AND active', [p.assigneeId]);
    if (!staff)
      throw serviceError('staff-not-found', `"${p.assigneeId}" is not active staff; see the duty table`);
  }
  const { record, breaches } = await ctx.db.transaction((tx) =>
    applyAction(ctx, tx, id, action, actor, p, at),
  );
  await announce(ctx, action, actor, record, breaches);
  return record;
}
