/**
 * Patrol alerts for guards (issue 3): raised -> acknowledged -> on_scene -> resolved | false_alarm.
 * Acknowledge within 90 s for emergencies (3 min otherwise), on scene within 10 min.
 */
import { z } from 'zod';
import { dateOf } from '../../clock.ts';
import { sqlState } from '../db.ts';
import { parseInput } from '../errors.ts';
import { idSchema } from '../sites.ts';
import { limitsFor, type Step } from './clock.ts';
import type { DeskContext } from './context.ts';
import { notifyFor } from './dispatch.ts';
import { faultName } from './i18n.ts';
import { stageAlert, stageBreaches } from './notices.ts';
import { addDeadlines, type Breach, meetSteps, voidOpenDeadlines } from './sla.ts';
import { appendHistory } from './store.ts';
import {
  type Actor,
  ALERT_STATES,
  type AlertState,
  type HistoryEntry,
  instant,
  type PatrolAlert,
  PRIORITIES,
  type Role,
  serviceError,
} from './types.ts';

export const patrolAlertInput = z.object({
  site: idSchema.optional(),
  deviceId: idSchema.optional(),
  recordId: z.number().int().positive().optional(),
  code: z.string().regex(/^[a-z0-9_]{1,64}$/),
  priority: z.enum(PRIORITIES).default('emergency'),
  title: z.string().trim().min(1).max(200).optional(),
  location: z.string().trim().min(1).max(200).optional(),
  evidence: z.unknown().optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  /** When it happened (default now); the alert's deadlines run from when it is raised. */
  occurredAt: instant.optional(),
});
export type PatrolAlertInput = z.input<typeof patrolAlertInput>;

const COLUMNS = `id, site_id AS site, device_id AS "deviceId", record_id AS "recordId", code, priority, state, title,
  location, evidence, occurred_at AS "occurredAt", raised_at AS "raisedAt", state_since AS "stateSince", guard_id AS "guardId",
  acknowledged_at AS "acknowledgedAt", on_scene_at AS "onSceneAt", ended_at AS "endedAt", note`;

const GUARDS: readonly Role[] = ['guard', 'supervisor', 'manager'];
interface AlertRule {
  from: readonly AlertState[];
  to: AlertState;
  meets: readonly Step[];
  column?: string;
  needsNote?: true;
}
/** The guards' procedure; emergencies may go first and acknowledge on arrival. */
export const ALERT_TRANSITIONS: Record<string, AlertRule> = {
  acknowledge: { from: ['raised'], to: 'acknowledged', meets: ['alert_ack'] },
  arrive: {
    from: ['raised', 'acknowledged'],
    to: 'on_scene',
    meets: ['alert_ack', 'alert_on_scene'],
    column: 'on_scene_at',
  },
  resolve: { from: ['on_scene'], to: 'resolved', meets: [], column: 'ended_at', needsNote: true },
  false_alarm: {
    from: ['acknowledged', 'on_scene'],
    to: 'false_alarm',
    meets: ['alert_on_scene'],
    column: 'ended_at',
    needsNote: true,
  },
};

const SYSTEM: Actor = { id: 'rules', role: 'service' };

export async function raisePatrolAlert(
  ctx: DeskContext,
  input: PatrolAlertInput,
  actor = SYSTEM,
): Promise<PatrolAlert> {
  const a = parseInput(patrolAlertInput, input, 'patrol alert');
  const at = dateOf(ctx.now);
  // Guards are timed from the moment the alert reaches them, not from when the fault began.
  const raisedAt = at;
  const occurredAt = a.occurredAt && a.occurredAt < at ? a.occurredAt : at;
  const run = () =>
    ctx.db.transaction(async (tx) => {
      const [device] = a.deviceId
        ? await tx.query<{ site: string; location: string | null }>(
            'SELECT site_id AS site, location FROM devices WHERE id = $1',
            [a.deviceId],
          )
        : [];
      if (a.deviceId && !device)
        throw serviceError('invalid-input', `device "${a.deviceId}" is not registered`);
      if (a.site && device && device.site !== a.site)
        throw serviceError('invalid-input', `device "${a.deviceId}" is not at site "${a.site}"`);
      const site = a.site ?? device?.site;
      if (!site) throw serviceError('invalid-input', 'a patrol alert needs a site or a device');
      if (a.idempotencyKey) {
        const [seen] = await tx.query<PatrolAlert>(
          `SELECT ${COLUMNS} FROM patrol_alerts WHERE idempotency_key = $1`,
          [a.idempotencyKey],
        );
        // A repeat is the same alert; the key of another site's alert is a mistake, and answering
        // with that alert would show one site's alert to a caller of another.
        if (seen && seen.site !== site)
          throw serviceError(
            'invalid-input',
            `idempotency key "${a.idempotencyKey}" belongs to another alert`,
          );
        if (seen) return { alert: seen, fresh: false };
      }
      const title = a.title ?? `${a.deviceId ? `${a.deviceId}: ` : ''}${faultName(a.code, ctx.lang)}`;
      const [alert] = await tx.query<PatrolAlert>(
        `INSERT INTO patrol_alerts (site_id, device_id, record_id, code, priority, state, title, location, evidence,
           idempotency_key, raised_at, state_since, occurred_at)
         VALUES ($1, $2, $3, $4, $5, 'raised', $6, $7, $8, $9, $10, $11, $12)
         RETURNING ${COLUMNS}`,
        [
          site,
          a.deviceId ?? null,
          a.recordId ?? null,
          a.code,
          a.priority,
          title,
          a.location ?? device?.location ?? null,
          a.evidence === undefined ? null : JSON.stringify(a.evidence),
          a.idempotencyKey ?? null,
          raisedAt,
          at,
          occurredAt,
        ],
      );
      await appendHistory(tx, 'alert', alert!.id, { at, actor, action: 'raise', from: null, to: 'raised' });
      const l = await limitsFor(tx, site, null, ctx.limits);
      await addDeadlines(tx, 'alert', alert!.id, site, [
        {
          step: 'alert_ack',
          dueAt: new Date(
            raisedAt.getTime() + (a.priority === 'emergency' ? l.alert_ack_emergency : l.alert_ack),
          ),
        },
        { step: 'alert_on_scene', dueAt: new Date(raisedAt.getTime() + l.alert_on_scene) },
      ]);
      await stageAlert(ctx, tx, alert!, at);
      return { alert: alert!, fresh: true };
    });
  const { alert, fresh } = await run().catch((err) =>
    sqlState(err) === '23505' ? run() : Promise.reject(err),
  );
  if (fresh) ctx.events.emit({ type: 'alert', action: 'raise', actor, alert });
  return alert;
}

const alertPayload = z.object({
  note: z.string().trim().min(1).max(2000).optional(),
  recordId: z.number().int().positive().optional(),
});

export async function transitionAlert(
  ctx: DeskContext,
  id: number,
  action: string,
  actor: Actor,
  payload: unknown = {},
): Promise<{ alert: PatrolAlert; breaches: Breach[] }> {
  const rule = Object.hasOwn(ALERT_TRANSITIONS, action) ? ALERT_TRANSITIONS[action] : undefined;
  if (!rule) throw serviceError('illegal-transition', `"${action}" is not an action on a patrol alert`);
  if (!GUARDS.includes(actor.role))
    throw serviceError('forbidden', `role ${actor.role} may not ${action} a patrol alert`);
  const p = parseInput(alertPayload, payload, `${action} payload`);
  if (rule.needsNote && !p.note)
    throw serviceError('invalid-input', `invalid ${action} payload: note: say what was found`);
  const at = dateOf(ctx.now);
  const out = await ctx.db.transaction(async (tx) => {
    const [before] = await tx.query<PatrolAlert>(
      `SELECT ${COLUMNS} FROM patrol_alerts WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!before) throw alertNotFound(id);
    if (!rule.from.includes(before.state)) {
      throw serviceError('illegal-transition', `patrol alert ${id}: cannot ${action}, it is ${before.state}`);
    }
    if (actor.role === 'guard' && before.guardId && before.guardId !== actor.id) {
      throw serviceError('forbidden', `patrol alert ${id} was taken by ${before.guardId}`);
    }
    const [alert] = await tx.query<PatrolAlert>(
      `UPDATE patrol_alerts SET state = $2, state_since = $3,${rule.column ? ` ${rule.column} = $3,` : ''} guard_id = COALESCE(guard_id, $4),
         acknowledged_at = COALESCE(acknowledged_at, $3), note = COALESCE($5, note), record_id = COALESCE($6, record_id)
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, rule.to, at, actor.id, p.note ?? null, p.recordId ?? null],
    );
    await appendHistory(tx, 'alert', id, {
      at,
      actor,
      action,
      from: before.state,
      to: rule.to,
      note: p.note,
    });
    const breaches = await meetSteps(tx, 'alert', id, rule.meets, at);
    if (rule.to === 'resolved' || rule.to === 'false_alarm') await voidOpenDeadlines(tx, 'alert', id, at);
    await stageBreaches(ctx, tx, breaches, at);
    return { alert: alert!, breaches };
  });
  ctx.events.emit({ type: 'alert', action, actor, alert: out.alert });
  for (const breach of out.breaches)
    ctx.events.emit({ type: 'breach', breach, notify: await notifyFor(ctx.db, breach) });
  return out;
}

export async function getAlert(
  ctx: DeskContext,
  id: number,
): Promise<PatrolAlert & { history: HistoryEntry[] }> {
  const [alert] = await ctx.db.query<PatrolAlert>(`SELECT ${COLUMNS} FROM patrol_alerts WHERE id = $1`, [id]);
  if (!alert) throw alertNotFound(id);
  const history = await ctx.db.query<HistoryEntry>(
    `SELECT id, at, actor_id AS "actorId", actor_role AS "actorRole", action, from_state AS "from", to_state AS "to",
       note, data FROM service_history WHERE subject = 'alert' AND subject_id = $1 ORDER BY id`,
    [id],
  );
  return { ...alert, history };
}

/** The answer for an alert that does not exist, and for one of a site the caller may not see. */
export function alertNotFound(id: number) {
  return serviceError('alert-not-found', `patrol alert ${id} does not exist`);
}

export const listAlertsFilter = z.object({
  site: idSchema.optional(),
  /** Only these sites (a sign-in limited to some sites); absent: every site. */
  sites: z.array(idSchema).optional(),
  state: z.array(z.enum(ALERT_STATES)).optional(),
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

export async function listAlerts(ctx: DeskContext, filter: z.input<typeof listAlertsFilter> = {}) {
  const f = parseInput(listAlertsFilter, filter, 'alert filter');
  const rows = await ctx.db.query<PatrolAlert>(
    `SELECT ${COLUMNS} FROM patrol_alerts
     WHERE ($1::text IS NULL OR site_id = $1) AND ($2::text[] IS NULL OR state = ANY($2)) AND ($3::int IS NULL OR id < $3)
       AND ($5::text[] IS NULL OR site_id = ANY($5::text[]))
     ORDER BY id DESC LIMIT $4`,
    [f.site ?? null, f.state ?? null, f.cursor ?? null, f.limit + 1, f.sites ?? null],
  );
  const more = rows.length > f.limit;
  const alerts = more ? rows.slice(0, f.limit) : rows;
  return { alerts, nextCursor: more ? alerts[alerts.length - 1]!.id : null };
}
