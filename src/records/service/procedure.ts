/**
 * The procedure's shared steps (docs/service-records.md): a record entered with its first
 * deadlines, one action applied under a row lock, and what a committed change produced announced.
 * Every operation of the desk is built from these; they import none of them.
 */
import type { Queryable } from '../db.ts';
import { deadlinesOnCreate, deadlinesOnEnter, limitsFor, MEETS, VOIDING_STATES } from './clock.ts';
import { type DeskContext, endOfLocalDay } from './context.ts';
import { notifyFor } from './dispatch.ts';
import { type Action, decide } from './lifecycle.ts';
import { stageRecord } from './notices.ts';
import { addDeadlines, type Breach, meetSteps, voidOpenDeadlines } from './sla.ts';
import { appendHistory, insertRecord, loadRecord, type NewRecord, updateRecord } from './store.ts';
import type { Actor, ServiceRecord } from './types.ts';

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
  await stageRecord(ctx, tx, 'create', record, breaches, at);
  return { record, breaches };
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
  await stageRecord(ctx, tx, action, record, breaches, at);
  return { record, breaches };
}
