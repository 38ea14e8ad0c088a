/**
 * Jobs from plans: a calendar job is generated `leadDays` before its due date, a meter job when the
 * device's counter passes the next multiple of the plan's step. Each job is a maintenance record
 * (source plan) with the plan's checklist, a `plan_due` deadline at the end of its due date (the
 * breach watcher records it once when passed), and is dispatched by the duty table at once.
 * Generating twice is harmless: maintenance_jobs' unique key refuses a second job for an occurrence.
 */
import { dateOf } from '../../clock.ts';
import type { Queryable } from '../db.ts';
import type { DeskContext } from './context.ts';
import { pickAssignee } from './dispatch.ts';
import { listPlans, occurrences, type Plan, planUnits } from './plans.ts';
import { announce, applyAction, enterRecord } from './procedure.ts';
import { addDeadlines } from './sla.ts';
import type { Actor, ServiceRecord } from './types.ts';

/** Plans act by themselves: generated jobs name this actor. */
export const PLANNER: Actor = { id: 'planner', role: 'service' };

const DAY = 86_400_000;

interface NewJob {
  plan: Plan;
  unit: string;
  trigger: 'calendar' | 'meter';
  seq: number;
  dueAt: Date;
  meterValue?: number;
}

function sqlState(err: unknown): string | undefined {
  return (err as { code?: string })?.code;
}

async function insertJob(ctx: DeskContext, tx: Queryable, j: NewJob, at: Date) {
  const { plan } = j;
  const [device] = j.unit
    ? await tx.query<{ building: string | null; floor: number | null; location: string | null }>(
        'SELECT building_id AS building, floor, location FROM devices WHERE id = $1',
        [j.unit],
      )
    : [];
  const due = j.dueAt.toISOString();
  const why = j.trigger === 'meter' ? `${plan.meter?.field} = ${j.meterValue}` : `due ${due}`;
  const entered = await enterRecord(
    ctx,
    tx,
    {
      site: plan.site,
      source: 'plan',
      type: 'maintenance',
      trade: plan.trade,
      priority: 'normal',
      title: j.unit ? `${plan.name} ${j.unit}` : plan.name,
      content: `${plan.name} (plan ${plan.id}, ${why}): ${plan.items.length} checklist items`,
      building: device?.building ?? undefined,
      floor: device?.floor ?? undefined,
      location: device?.location ?? undefined,
      deviceId: j.unit || undefined,
      receivedAt: at,
    },
    PLANNER,
    at,
  );
  const id = entered.record.id;
  await tx.query(
    `INSERT INTO maintenance_jobs (record_id, plan_id, unit, trigger, seq, due_at, generated_at, meter_value)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, plan.id, j.unit, j.trigger, j.seq, j.dueAt, at, j.meterValue ?? null],
  );
  await tx.query(
    `INSERT INTO job_checklist_items (record_id, position, text)
     SELECT $1, t.ord::int, t.item FROM unnest($2::text[]) WITH ORDINALITY AS t(item, ord)`,
    [id, plan.items],
  );
  await addDeadlines(tx, 'record', id, plan.site, [{ step: 'plan_due', dueAt: j.dueAt }]);
  return entered;
}

/** Enters one job and dispatches it by the duty table; undefined if the occurrence already has one. */
export async function createJob(ctx: DeskContext, j: NewJob): Promise<ServiceRecord | undefined> {
  const at = dateOf(ctx.now);
  let entered: Awaited<ReturnType<typeof insertJob>>;
  try {
    entered = await ctx.db.transaction((tx) => insertJob(ctx, tx, j, at));
  } catch (err) {
    if (sqlState(err) === '23505') return undefined; // another pass generated it first
    throw err;
  }
  await announce(ctx, 'create', PLANNER, entered.record, entered.breaches);
  const record = entered.record;
  try {
    const assigneeId = await pickAssignee(ctx.db, { site: record.site, trade: record.trade, area: null, at });
    const d = await ctx.db.transaction((tx) =>
      applyAction(ctx, tx, record.id, 'dispatch', PLANNER, { assigneeId }, at),
    );
    await announce(ctx, 'dispatch', PLANNER, d.record, d.breaches);
    return d.record;
  } catch (err) {
    // Nobody to hand it to: the job waits on the desk's queue like any undispatched record.
    ctx.log.warn({ err, record: record.id }, 'maintenance job not dispatched');
    return record;
  }
}

/**
 * Generates every calendar job whose generation time has come. A unit without jobs starts at the
 * first occurrence due after the plan (or the device) appeared: a plan never back-fills the past.
 */
export async function generateDue(ctx: DeskContext): Promise<ServiceRecord[]> {
  const at = dateOf(ctx.now);
  const out: ServiceRecord[] = [];
  for (const plan of await listPlans(ctx.db, { active: true })) {
    if (!plan.every) continue;
    for (const { unit, since } of await planUnits(ctx.db, plan)) {
      const [last] = await ctx.db.query<{ seq: number | null }>(
        `SELECT max(seq) AS seq FROM maintenance_jobs WHERE plan_id = $1 AND unit = $2 AND trigger = 'calendar'`,
        [plan.id, unit],
      );
      const fresh = last?.seq === null || last?.seq === undefined;
      const due = await occurrences(ctx.db, plan, {
        fromSeq: fresh ? 0 : last!.seq! + 1,
        after: fresh ? since : new Date(0),
        limit: 24,
      });
      for (const o of due) {
        if (o.generateAt > at) break;
        const job = await createJob(ctx, { plan, unit, trigger: 'calendar', seq: o.seq, dueAt: o.dueAt });
        if (job) out.push(job);
      }
    }
  }
  return out;
}

export interface MeterReading {
  deviceId: string;
  /** Counter name to value, from one telemetry message (protocol METER_FIELDS). */
  readings: Record<string, number>;
  at: Date;
}

/**
 * A device's counters: the first reading a plan sees is its base; a job is due each time the counter
 * passes base + k × step (one job however many steps a jump covers). A counter that goes backwards
 * was reset or replaced: the base moves so the progress made so far is kept.
 */
export async function noteMeters(ctx: DeskContext, m: MeterReading): Promise<ServiceRecord[]> {
  const fields = Object.keys(m.readings);
  if (fields.length === 0) return [];
  const plans = (await listPlans(ctx.db, { active: true })).filter(
    (p) => p.meter && fields.includes(p.meter.field),
  );
  if (plans.length === 0) return [];
  const [device] = await ctx.db.query<{ site: string; kind: string }>(
    'SELECT site_id AS site, kind FROM devices WHERE id = $1 AND revoked_at IS NULL',
    [m.deviceId],
  );
  if (!device) return [];
  const out: ServiceRecord[] = [];
  for (const plan of plans) {
    if (plan.site !== device.site) continue;
    if (plan.scope === 'device' ? plan.device !== m.deviceId : plan.kind !== device.kind) continue;
    const value = m.readings[plan.meter!.field]!;
    const step = plan.meter!.every;
    const [row] = await ctx.db.query<{ base: number; lastValue: number }>(
      `INSERT INTO maintenance_plan_meters (plan_id, device_id, base, last_value, last_at) VALUES ($1, $2, $3, $3, $4)
       ON CONFLICT (plan_id, device_id) DO UPDATE SET
         base = CASE WHEN EXCLUDED.last_value < maintenance_plan_meters.last_value
           THEN maintenance_plan_meters.base - maintenance_plan_meters.last_value + EXCLUDED.last_value
           ELSE maintenance_plan_meters.base END,
         last_value = EXCLUDED.last_value, last_at = EXCLUDED.last_at
       RETURNING base, last_value AS "lastValue"`,
      [plan.id, m.deviceId, value, m.at],
    );
    const k = Math.floor((value - row!.base) / step);
    if (k < 1) continue;
    const [done] = await ctx.db.query<{ seq: number | null }>(
      `SELECT max(seq) AS seq FROM maintenance_jobs WHERE plan_id = $1 AND unit = $2 AND trigger = 'meter'`,
      [plan.id, m.deviceId],
    );
    if ((done?.seq ?? 0) >= k) continue;
    const dueAt = new Date(m.at.getTime() + plan.dueDays * DAY);
    const job = await createJob(ctx, {
      plan,
      unit: m.deviceId,
      trigger: 'meter',
      seq: k,
      dueAt,
      meterValue: value,
    });
    if (job) out.push(job);
  }
  return out;
}
