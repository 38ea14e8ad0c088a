/**
 * Escalation until acknowledged (docs/notifications.md). An emergency slip not signed for within
 * the `acknowledge` limit is sent again to its assignee and to the trade's supervisor, then to the
 * managers; a patrol alert not acknowledged within its `alert_ack` limit goes to the next guard on
 * duty, then to the security supervisor. The limits are the desk's SLA settings. Each step is in
 * the subject's history (action `notify_escalate`, counted in the statistics); an acknowledgement
 * (or any later state) ends the chain when its next step comes due.
 */
import { dateOf } from '../../clock.ts';
import type { Queryable } from '../db.ts';
import { limitsFor } from './clock.ts';
import type { DeskContext } from './context.ts';
import { managers, supervisors } from './dispatch.ts';
import { alertNotice, guardsOnDuty, type Notice, startChain } from './notices.ts';
import { appendHistory, loadRecord } from './store.ts';
import type { Actor, PatrolAlert } from './types.ts';

const CLOCK: Actor = { id: 'sla-clock', role: 'service' };
const LAST_LEVEL = 2;

interface Step {
  subject: 'record' | 'alert';
  subjectId: number;
  step: number;
  level: number;
  site: string;
}

/** Takes every chain step due by the clock's time; returns how many were sent. */
export async function stepEscalations(ctx: DeskContext): Promise<number> {
  if (!ctx.outbox) return 0;
  const at = dateOf(ctx.now);
  const due = await ctx.db.query<Step>(
    `SELECT subject, subject_id AS "subjectId", step, level, site_id AS site FROM notify_escalations
     WHERE done_at IS NULL AND due_at <= $1 ORDER BY due_at, subject, subject_id LIMIT 200`,
    [at],
  );
  let sent = 0;
  for (const s of due) {
    const stepped = await ctx.db.transaction(async (tx) => {
      // Under the row lock: a second watcher (or a step already taken) finds it done.
      const [open] = await tx.query(
        `SELECT 1 FROM notify_escalations WHERE subject = $1 AND subject_id = $2 AND step = $3 AND done_at IS NULL
         FOR UPDATE`,
        [s.subject, s.subjectId, s.step],
      );
      if (!open) return false;
      await tx.query(
        'UPDATE notify_escalations SET done_at = $4 WHERE subject = $1 AND subject_id = $2 AND step = $3',
        [s.subject, s.subjectId, s.step, at],
      );
      return s.subject === 'record' ? stepRecord(ctx, tx, s, at) : stepAlert(ctx, tx, s, at);
    });
    if (stepped) sent++;
  }
  return sent;
}

async function stepRecord(ctx: DeskContext, tx: Queryable, s: Step, at: Date): Promise<boolean> {
  const r = await loadRecord(tx, s.subjectId, true);
  if (r.state !== 'dispatched' || r.acknowledgedAt || !r.assigneeId) return false;
  const up = s.level === 1 ? await supervisors(tx, r.site, r.trade) : await managers(tx, r.site);
  const to = [...new Set([r.assigneeId, ...up])];
  const notice: Notice = {
    event: 'reminder',
    subject: 'record',
    subjectId: r.id,
    site: r.site,
    trade: r.trade,
    emergency: r.priority === 'emergency',
    to,
    title: r.title,
    location: r.location,
    step: `level ${s.level}`,
  };
  await sendStep(ctx, tx, s, notice, r.state, at);
  if (s.level < LAST_LEVEL) {
    const l = await limitsFor(tx, r.site, r.type, ctx.limits);
    await startChain(tx, 'record', r.id, r.site, l.acknowledge, at, s.level + 1);
  }
  return true;
}

async function stepAlert(ctx: DeskContext, tx: Queryable, s: Step, at: Date): Promise<boolean> {
  const [a] = await tx.query<PatrolAlert>(
    `SELECT id, site_id AS site, priority, state, title, location, raised_at AS "raisedAt"
     FROM patrol_alerts WHERE id = $1 FOR UPDATE`,
    [s.subjectId],
  );
  if (a?.state !== 'raised') return false; // gone, or acknowledged since
  const first = (await guardsOnDuty(tx, a.site, a.raisedAt))[0];
  const next = (await guardsOnDuty(tx, a.site, at)).filter((g) => g !== first);
  // No other guard on duty: straight to the supervisor.
  const level = s.level === 1 && next.length === 0 ? LAST_LEVEL : s.level;
  const to = level === 1 ? [next[0]!] : await supervisors(tx, a.site, 'security');
  await sendStep(ctx, tx, { ...s, level }, alertNotice(a, 'reminder', to, `level ${level}`), a.state, at);
  if (level < LAST_LEVEL) {
    const l = await limitsFor(tx, a.site, null, ctx.limits);
    const limit = a.priority === 'emergency' ? l.alert_ack_emergency : l.alert_ack;
    await startChain(tx, 'alert', a.id, a.site, limit, at, level + 1);
  }
  return true;
}

async function sendStep(
  ctx: DeskContext,
  tx: Queryable,
  s: Step,
  notice: Notice,
  state: string,
  at: Date,
): Promise<void> {
  await appendHistory(tx, s.subject, s.subjectId, {
    at,
    actor: CLOCK,
    action: 'notify_escalate',
    from: state,
    to: state,
    note: `not acknowledged: told ${notice.to.join(', ') || 'nobody (no supervisor)'}`,
    data: { level: s.level, to: notice.to },
  });
  await ctx.outbox!(tx, [notice], at);
}
