/**
 * What the procedure says someone must be told, decided inside the transaction of the change, so the
 * outbox row commits with it (docs/notifications.md). The desk decides who and about what; how it
 * reaches them (channels, quiet hours, wording) is the outbox hook's, given to openServiceDesk.
 */
import type { Queryable } from '../db.ts';
import { limitsFor } from './clock.ts';
import type { DeskContext } from './context.ts';
import { managers, notifyFor, supervisors } from './dispatch.ts';
import type { Breach } from './sla.ts';
import type { PatrolAlert, ServiceRecord } from './types.ts';

export const NOTICE_EVENTS = [
  'dispatch',
  'reassign',
  'emergency',
  'alert',
  'breach',
  'escalated',
  'rejected',
  'report',
  'reminder',
] as const;
export type NoticeEvent = (typeof NOTICE_EVENTS)[number];

export interface Notice {
  event: NoticeEvent;
  /** A round only ever breaches (started or finished late). */
  subject: 'record' | 'alert' | 'round';
  subjectId: number;
  site: string;
  trade: string;
  emergency: boolean;
  /** Staff ids told in person; the site's and trade's group chats hear of every notice. */
  to: string[];
  title: string;
  location: string | null;
  /** The step that was missed (breach), or the escalation step. */
  step?: string | undefined;
}

/** Writes notices to the outbox in `tx`; given by the notification service (src/notify). */
export type OutboxHook = (tx: Queryable, notices: readonly Notice[], at: Date) => Promise<void>;

/** The actor the console's QR report pages enter residents' reports as (src/api/console/routes/resident-routes.ts). */
const RESIDENT_QR = 'qr';

const recordNotice = (r: ServiceRecord, event: NoticeEvent, to: string[], step?: string): Notice => ({
  event,
  subject: 'record',
  subjectId: r.id,
  site: r.site,
  trade: r.trade,
  emergency: r.priority === 'emergency',
  to: [...new Set(to)],
  title: r.title,
  location: r.location,
  step,
});

/** A record entered or an action taken: the notices it calls for, with its breaches'. */
export async function stageRecord(
  ctx: DeskContext,
  tx: Queryable,
  action: string,
  r: ServiceRecord,
  breaches: readonly Breach[],
  at: Date,
): Promise<void> {
  if (!ctx.outbox) return;
  const out: Notice[] = [];
  if (action === 'create' && r.priority === 'emergency') {
    // An emergency is relayed to the area's responsible person and the supervisor within 90 s.
    out.push(recordNotice(r, 'emergency', await supervisors(tx, r.site, r.trade)));
  } else if (action === 'create' && r.ownerId === RESIDENT_QR) {
    out.push(recordNotice(r, 'report', []));
  }
  // Another call or report joined an open record: whoever holds it hears, and the group chats.
  if (action === 'link_report') out.push(recordNotice(r, 'report', r.assigneeId ? [r.assigneeId] : []));
  if ((action === 'dispatch' || action === 'reassign') && r.assigneeId) {
    out.push(recordNotice(r, action, [r.assigneeId]));
    if (r.priority === 'emergency')
      await startChain(tx, 'record', r.id, r.site, await ackLimit(ctx, tx, r), at);
  }
  if (action === 'reject' && r.assigneeId) out.push(recordNotice(r, 'rejected', [r.assigneeId]));
  if (action === 'escalate') {
    const to = r.escalationLevel >= 2 ? await managers(tx, r.site) : await supervisors(tx, r.site, r.trade);
    out.push(recordNotice(r, 'escalated', to, `level ${r.escalationLevel}`));
  }
  out.push(...(await breachNotices(tx, breaches)));
  if (out.length > 0) await ctx.outbox(tx, out, at);
}

export async function stageAlert(ctx: DeskContext, tx: Queryable, a: PatrolAlert, at: Date): Promise<void> {
  if (!ctx.outbox) return;
  const guards = await guardsOnDuty(tx, a.site, a.raisedAt);
  const to = guards.length > 0 ? [guards[0]!] : (await supervisors(tx, a.site, 'security')).slice(0, 1);
  await ctx.outbox(tx, [alertNotice(a, 'alert', to)], at);
  const l = await limitsFor(tx, a.site, null, ctx.limits);
  await startChain(
    tx,
    'alert',
    a.id,
    a.site,
    a.priority === 'emergency' ? l.alert_ack_emergency : l.alert_ack,
    at,
  );
}

export async function stageBreaches(
  ctx: DeskContext,
  tx: Queryable,
  breaches: readonly Breach[],
  at: Date,
): Promise<void> {
  if (!ctx.outbox || breaches.length === 0) return;
  await ctx.outbox(tx, await breachNotices(tx, breaches), at);
}

export const alertNotice = (a: PatrolAlert, event: NoticeEvent, to: string[], step?: string): Notice => ({
  event,
  subject: 'alert',
  subjectId: a.id,
  site: a.site,
  trade: 'security',
  emergency: a.priority === 'emergency',
  to,
  title: a.title,
  location: a.location,
  step,
});

async function breachNotices(tx: Queryable, breaches: readonly Breach[]): Promise<Notice[]> {
  const out: Notice[] = [];
  for (const b of breaches) {
    // A round is named by its route; it is never an emergency.
    const query =
      b.subject === 'record'
        ? 'SELECT title, location, trade, priority FROM service_records WHERE id = $1'
        : b.subject === 'alert'
          ? `SELECT title, location, 'security' AS trade, priority FROM patrol_alerts WHERE id = $1`
          : `SELECT t.name AS title, NULL AS location, r.trade, 'normal' AS priority
               FROM rounds r JOIN round_routes t ON t.site_id = r.site_id AND t.id = r.route_id WHERE r.id = $1`;
    const [row] = await tx.query<{ title: string; location: string | null; trade: string; priority: string }>(
      query,
      [b.subjectId],
    );
    if (!row) continue;
    out.push({
      event: 'breach',
      subject: b.subject,
      subjectId: b.subjectId,
      site: b.site,
      trade: row.trade,
      emergency: row.priority === 'emergency',
      to: await notifyFor(tx, b),
      title: row.title,
      location: row.location,
      step: b.step,
    });
  }
  return out;
}

async function ackLimit(ctx: DeskContext, tx: Queryable, r: ServiceRecord): Promise<number> {
  return (await limitsFor(tx, r.site, r.type, ctx.limits)).acknowledge;
}

/** Guards on a security shift now, the area's own first (the duty table's order). */
export async function guardsOnDuty(tx: Queryable, site: string, at: Date): Promise<string[]> {
  const rows = await tx.query<{ id: string }>(
    `WITH l AS (SELECT ($2::timestamptz AT TIME ZONE timezone) AS t FROM sites WHERE id = $1),
          n AS (SELECT t::time AS tod, EXTRACT(ISODOW FROM t)::int AS dow FROM l)
     SELECT st.id FROM duty_shifts d JOIN staff st ON st.id = d.staff_id CROSS JOIN n
     WHERE d.site_id = $1 AND d.trade = 'security' AND st.active
       AND (d.valid_from IS NULL OR d.valid_from <= $2) AND (d.valid_until IS NULL OR $2 < d.valid_until)
       AND ((d.starts < d.ends AND n.tod >= d.starts AND n.tod < d.ends AND n.dow = ANY(d.weekdays))
         OR (d.starts >= d.ends AND ((n.tod >= d.starts AND n.dow = ANY(d.weekdays))
           OR (n.tod < d.ends AND ((n.dow + 5) % 7) + 1 = ANY(d.weekdays)))))
     ORDER BY (d.area_id IS NOT NULL) DESC, d.id`,
    [site, at],
  );
  return [...new Set(rows.map((r) => r.id))];
}

/**
 * Starts a chain (level 1 due after the limit), restarts it on a reassignment, or schedules its
 * next level: whatever step was pending is closed first, so a subject has one pending step.
 */
export async function startChain(
  tx: Queryable,
  subject: 'record' | 'alert',
  id: number,
  site: string,
  limitMs: number,
  at: Date,
  level = 1,
): Promise<void> {
  await tx.query(
    'UPDATE notify_escalations SET done_at = $3 WHERE subject = $1 AND subject_id = $2 AND done_at IS NULL',
    [subject, id, at],
  );
  const [{ step } = { step: 0 }] = await tx.query<{ step: number }>(
    'SELECT COALESCE(max(step), 0)::int AS step FROM notify_escalations WHERE subject = $1 AND subject_id = $2',
    [subject, id],
  );
  await tx.query(
    `INSERT INTO notify_escalations (subject, subject_id, step, level, site_id, due_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [subject, id, step + 1, level, site, new Date(at.getTime() + limitMs)],
  );
}
