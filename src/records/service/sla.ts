/** SQL for the clock's deadlines and breaches; a breach row's primary key makes it exactly once. */
import type { Queryable } from '../db.ts';
import { type NewDeadline, RECURRING_STEPS, type Step } from './clock.ts';

export type Subject = 'record' | 'alert' | 'round';

export interface Breach {
  deadlineId: number;
  subject: Subject;
  subjectId: number;
  site: string;
  step: Step;
  round: number;
  dueAt: Date;
  breachedAt: Date;
}

const BREACH_COLUMNS = `d.id AS "deadlineId", d.subject, d.subject_id AS "subjectId", d.site_id AS site, d.step,
  d.round, d.due_at AS "dueAt"`;

export async function addDeadlines(
  tx: Queryable,
  subject: Subject,
  id: number,
  site: string,
  deadlines: readonly NewDeadline[],
): Promise<void> {
  for (const d of deadlines) {
    const round = RECURRING_STEPS.includes(d.step)
      ? '(SELECT count(*)::int FROM sla_deadlines WHERE subject = $1 AND subject_id = $2 AND step = $4)'
      : '0';
    await tx.query(
      `INSERT INTO sla_deadlines (subject, subject_id, site_id, step, round, due_at)
       VALUES ($1, $2, $3, $4, ${round}, $5) ON CONFLICT DO NOTHING`,
      [subject, id, site, d.step, d.dueAt],
    );
  }
}

/** Marks steps met; a step met after its deadline is a breach too (recorded here if the watcher missed it). */
export async function meetSteps(
  tx: Queryable,
  subject: Subject,
  id: number,
  steps: readonly Step[],
  at: Date,
): Promise<Breach[]> {
  if (steps.length === 0) return [];
  const met = await tx.query<{ id: number; late: boolean }>(
    `UPDATE sla_deadlines SET met_at = $4
     WHERE subject = $1 AND subject_id = $2 AND step = ANY($3::text[]) AND met_at IS NULL AND void_at IS NULL
     RETURNING id, due_at < $4 AS late`,
    [subject, id, steps, at],
  );
  const late = met.filter((m) => m.late).map((m) => m.id);
  if (late.length === 0) return [];
  return tx.query<Breach>(
    `WITH ins AS (
       INSERT INTO sla_breaches (deadline_id, breached_at) SELECT unnest($1::int[]), $2::timestamptz
       ON CONFLICT DO NOTHING RETURNING deadline_id, breached_at)
     SELECT ${BREACH_COLUMNS}, ins.breached_at AS "breachedAt"
     FROM ins JOIN sla_deadlines d ON d.id = ins.deadline_id ORDER BY d.due_at, d.id`,
    [late, at],
  );
}

/** A finished record or alert has no steps left to make. */
export async function voidOpenDeadlines(
  tx: Queryable,
  subject: Subject,
  id: number,
  at: Date,
): Promise<void> {
  await tx.query(
    `UPDATE sla_deadlines SET void_at = $3 WHERE subject = $1 AND subject_id = $2 AND met_at IS NULL AND void_at IS NULL`,
    [subject, id, at],
  );
}

/** Records every deadline passed by `now` and not met, once: concurrent watchers cannot both record one. */
export async function recordBreaches(db: Queryable, now: Date): Promise<Breach[]> {
  return db.query<Breach>(
    `WITH ins AS (
       INSERT INTO sla_breaches (deadline_id, breached_at)
       SELECT d.id, $1::timestamptz FROM sla_deadlines d
       WHERE d.met_at IS NULL AND d.void_at IS NULL AND d.due_at <= $1
         AND NOT EXISTS (SELECT 1 FROM sla_breaches b WHERE b.deadline_id = d.id)
       ON CONFLICT DO NOTHING RETURNING deadline_id, breached_at)
     SELECT ${BREACH_COLUMNS}, ins.breached_at AS "breachedAt"
     FROM ins JOIN sla_deadlines d ON d.id = ins.deadline_id ORDER BY d.due_at, d.id`,
    [now],
  );
}

/** Immediately breached: the record was entered more than a minute after the call (step "received"). */
export async function breachIfLate(
  tx: Queryable,
  subject: Subject,
  id: number,
  step: Step,
  at: Date,
): Promise<Breach[]> {
  return meetSteps(tx, subject, id, [step], at);
}
