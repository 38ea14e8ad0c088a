/**
 * The job and the device know each other (docs/service-records.md, "Maintenance jobs"): work on a
 * job (in progress) holds a maintenance window on its device, so rules raises nothing for the faults
 * the work itself causes; completing or abandoning (cancelling) the job ends the window. The job's
 * checklist is answered item by item; a fault found becomes its own repair record naming the job.
 */
import { z } from 'zod';
import { dateOf } from '../../clock.ts';
import type { Queryable } from '../db.ts';
import { parseInput, RecordsError } from '../errors.ts';
import type { DeskContext } from './context.ts';
import type { Action } from './lifecycle.ts';
import { announce, applyAction, enterRecord } from './procedure.ts';
import { loadRecord } from './store.ts';
import { type Actor, PRIORITIES, type ServiceRecord, serviceError } from './types.ts';

const HOUR = 3_600_000;

/** States in which the job's device is being worked on. */
const WORKING = new Set(['in_progress', 'escalated']);
/** States in which the work is over (for now): the window ends. */
const OVER = new Set(['awaiting_acceptance', 'return_visit', 'closed', 'cancelled']);

/**
 * Called in the transaction of every action on a maintenance record. A job entering work opens a
 * window on its device (ended by itself after `windowHours` if nobody ends it); work over ends it.
 * Completing needs every checklist item answered.
 */
export async function jobWindowAfter(
  ctx: DeskContext,
  tx: Queryable,
  record: ServiceRecord,
  action: Action,
  actor: Actor,
  at: Date,
): Promise<void> {
  if (record.type !== 'maintenance') return;
  if (action === 'complete') {
    const [open] = await tx.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM job_checklist_items WHERE record_id = $1 AND result IS NULL',
      [record.id],
    );
    if (open && open.n > 0)
      throw new RecordsError(
        'checklist-incomplete',
        `job ${record.id}: ${open.n} checklist item(s) not answered (done, not done or fault)`,
      );
  }
  if (!record.deviceId) return;
  const [open] = await tx.query<{ id: number }>(
    `SELECT id FROM maintenance_windows WHERE record_id = $1 AND ended_at IS NULL AND cancelled_at IS NULL
       AND ends_at > $2`,
    [record.id, at],
  );
  if (WORKING.has(record.state) && !open) {
    await tx.query(
      `INSERT INTO maintenance_windows (site_id, scope, target, starts_at, ends_at, note, created_by, created_at, record_id)
       VALUES ($1, 'device', $2, $3, $4, $5, $6, $3, $7)`,
      [
        record.site,
        record.deviceId,
        at,
        new Date(at.getTime() + ctx.plans.windowHours * HOUR),
        `maintenance job ${record.id}`,
        actor.id,
        record.id,
      ],
    );
  } else if (OVER.has(record.state) && open) {
    await tx.query(
      `UPDATE maintenance_windows SET planned_ends_at = COALESCE(planned_ends_at, ends_at),
         ends_at = GREATEST(starts_at + interval '1 ms', LEAST(ends_at, $2)), ended_at = $2, ended_by = $3
       WHERE id = $1`,
      [open.id, at, actor.id],
    );
  }
}

export interface ChecklistItem {
  position: number;
  text: string;
  result: 'done' | 'not_done' | 'fault' | null;
  note: string | null;
  faultRecordId: number | null;
  attachmentId: number | null;
  checkedAt: Date | null;
  checkedBy: string | null;
}

const ITEM_COLUMNS = `position, text, result, note, fault_record_id AS "faultRecordId",
  attachment_id AS "attachmentId", checked_at AS "checkedAt", checked_by AS "checkedBy"`;

async function requireJob(db: Queryable, id: number, lock = false): Promise<ServiceRecord> {
  const r = await loadRecord(db, id, lock);
  if (r.type !== 'maintenance')
    throw new RecordsError('not-a-job', `record ${id} is a ${r.type}, not a maintenance job`);
  return r;
}

export async function getChecklist(db: Queryable, jobId: number): Promise<ChecklistItem[]> {
  await requireJob(db, jobId);
  return db.query(`SELECT ${ITEM_COLUMNS} FROM job_checklist_items WHERE record_id = $1 ORDER BY position`, [
    jobId,
  ]);
}

export const checkInput = z.object({
  result: z.enum(['done', 'not_done', 'fault']),
  note: z.string().trim().min(1).max(1000).optional(),
  /** One of the job's photos (POST /records/{id}/attachments). */
  attachmentId: z.number().int().positive().optional(),
  /** For a fault: how urgent the repair is. */
  priority: z.enum(PRIORITIES).default('normal'),
});
export type CheckInput = z.input<typeof checkInput>;

const ON_SITE = new Set(['on_site', 'planned', 'in_progress', 'escalated']);

/** The people who may answer a job's items: its assignee, or a supervisor and above. */
function mayWork(job: ServiceRecord, actor: Actor): void {
  if (['supervisor', 'manager', 'admin'].includes(actor.role)) return;
  if ((actor.role === 'engineer' || actor.role === 'guard') && job.assigneeId === actor.id) return;
  throw serviceError(
    'forbidden',
    `job ${job.id} is assigned to ${job.assigneeId ?? 'nobody'}, not ${actor.id}`,
  );
}

/**
 * Answers one item, on site. A fault opens a repair record for the job's device, dispatched to the
 * job's engineer (who is there) and naming the job; answering the item again keeps that record.
 */
export async function checkItem(
  ctx: DeskContext,
  jobId: number,
  position: number,
  input: unknown,
  actor: Actor,
): Promise<{ item: ChecklistItem; fault?: ServiceRecord }> {
  const c = parseInput(checkInput, input, 'checklist answer');
  const at = dateOf(ctx.now);
  const done = await ctx.db.transaction(async (tx) => {
    const job = await requireJob(tx, jobId, true);
    mayWork(job, actor);
    if (!ON_SITE.has(job.state))
      throw serviceError(
        'illegal-transition',
        `job ${jobId}: items are answered on site, it is ${job.state}`,
      );
    const [item] = await tx.query<ChecklistItem>(
      `SELECT ${ITEM_COLUMNS} FROM job_checklist_items WHERE record_id = $1 AND position = $2`,
      [jobId, position],
    );
    if (!item) throw new RecordsError('checklist-item-not-found', `job ${jobId} has no item ${position}`);
    if (c.attachmentId !== undefined) {
      const [a] = await tx.query('SELECT 1 FROM record_attachments WHERE id = $1 AND record_id = $2', [
        c.attachmentId,
        jobId,
      ]);
      if (!a)
        throw serviceError('invalid-input', `attachment ${c.attachmentId} is not a photo of job ${jobId}`);
    }
    let fault: ServiceRecord | undefined;
    let faultId = item.faultRecordId;
    if (c.result === 'fault' && faultId === null) {
      const text = c.note ? `${item.text}: ${c.note}` : item.text;
      fault = (await foundFault(ctx, tx, job, text, c.priority, actor, at)).record;
      faultId = fault.id;
    }
    const [row] = await tx.query<ChecklistItem>(
      `UPDATE job_checklist_items SET result = $3, note = $4, attachment_id = $5, fault_record_id = $6,
         checked_at = $7, checked_by = $8 WHERE record_id = $1 AND position = $2 RETURNING ${ITEM_COLUMNS}`,
      [jobId, position, c.result, c.note ?? null, c.attachmentId ?? null, faultId, at, actor.id],
    );
    return { item: row!, fault };
  });
  if (done.fault) {
    const detail = await loadRecord(ctx.db, done.fault.id);
    await announce(ctx, 'create', actor, detail, []);
  }
  return done;
}

/** The repair record of a fault found during a job: same site, device and engineer; it names the job. */
async function foundFault(
  ctx: DeskContext,
  tx: Queryable,
  job: ServiceRecord,
  content: string,
  priority: (typeof PRIORITIES)[number],
  actor: Actor,
  at: Date,
) {
  const entered = await enterRecord(
    ctx,
    tx,
    {
      site: job.site,
      source: 'staff',
      type: 'repair',
      trade: job.trade,
      priority,
      title: content.length > 60 ? `${content.slice(0, 59)}…` : content,
      content: `found during maintenance job ${job.id}: ${content}`,
      building: job.building ?? undefined,
      floor: job.floor ?? undefined,
      location: job.location ?? undefined,
      deviceId: job.deviceId ?? undefined,
      receivedAt: at,
      jobId: job.id,
    },
    actor,
    at,
  );
  if (!job.assigneeId) return entered;
  // The engineer who found it is on site: the slip goes to them (the desk may reassign it).
  return applyAction(
    ctx,
    tx,
    entered.record.id,
    'dispatch',
    { id: 'planner', role: 'service' },
    {
      assigneeId: job.assigneeId,
    },
    at,
  );
}

/** A fault found during the job that is no checklist item. */
export const jobFaultInput = z.object({
  content: z.string().trim().min(1).max(4000),
  priority: z.enum(PRIORITIES).default('normal'),
});

export async function reportJobFault(
  ctx: DeskContext,
  jobId: number,
  input: unknown,
  actor: Actor,
): Promise<ServiceRecord> {
  const f = parseInput(jobFaultInput, input, 'fault found');
  const at = dateOf(ctx.now);
  const out = await ctx.db.transaction(async (tx) => {
    const job = await requireJob(tx, jobId, true);
    mayWork(job, actor);
    if (!ON_SITE.has(job.state))
      throw serviceError('illegal-transition', `job ${jobId}: faults are found on site, it is ${job.state}`);
    return foundFault(ctx, tx, job, f.content, f.priority, actor, at);
  });
  await announce(ctx, 'create', actor, out.record, out.breaches);
  return out.record;
}
