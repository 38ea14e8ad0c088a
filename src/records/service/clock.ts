/**
 * The SLA clock: the procedure's time limits (docs/architecture.md, "The users and the process we automate"),
 * which deadlines a record gets when it enters a state, and which deadlines an action meets.
 */
import type { Queryable } from '../db.ts';
import type { Action } from './lifecycle.ts';
import type { ServiceRecord, State } from './types.ts';

const S = 1000;
const MIN = 60 * S;

/** Time limits in milliseconds. Appointment limits count back from the appointment. */
export const DEFAULT_LIMITS = {
  /** received: entered within 1 min of the information arriving. */
  record: 1 * MIN,
  /** classified and dispatched within 2 min. */
  dispatch: 2 * MIN,
  /** an emergency is relayed to the area's responsible person and the supervisor within 90 s. */
  emergency_relay: 90 * S,
  /** acknowledged "with dispatch": the read-back, allowed one minute after dispatch. */
  acknowledge: 1 * MIN,
  /** immediate jobs on site within 10 min of dispatch. */
  on_site: 10 * MIN,
  /** emergencies go twice as fast. */
  on_site_emergency: 5 * MIN,
  /** appointments: call the resident 15 min before. */
  appointment_call: 15 * MIN,
  /** appointments: arrive 3-5 min early, so no later than 3 min before. */
  appointment_arrive: 3 * MIN,
  /** plan within 3 min of arriving. */
  plan: 3 * MIN,
  /** cannot be done: escalate to the trade's supervisor within 5 min. */
  escalate: 5 * MIN,
  /** complaints: an answer or an arrangement within 15 min. */
  complaint_answer: 15 * MIN,
  /** complaints: a result within 24 h. */
  complaint_result: 24 * 60 * MIN,
  /** patrol alerts: acknowledge an emergency within 90 s, others within 3 min. */
  alert_ack_emergency: 90 * S,
  alert_ack: 3 * MIN,
  /** patrol alerts: on scene within 10 min of being raised. */
  alert_on_scene: 10 * MIN,
  /** inspection rounds: a scheduled round is started within 15 min of its time. */
  round_start: 15 * MIN,
  /** inspection rounds: every point confirmed within an hour of the start, unless the route says otherwise. */
  round_finish: 60 * MIN,
} as const;
export type LimitName = keyof typeof DEFAULT_LIMITS;
export type Limits = Record<LimitName, number>;
export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as LimitName[];

/** The steps a deadline can be for; breaching an escalation step escalates the record. */
export const STEPS = [
  'record',
  'dispatch',
  'acknowledge',
  'appointment_call',
  'on_site',
  'plan',
  'escalate',
  'same_day',
  'complaint_answer',
  'complaint_result',
  'alert_ack',
  'alert_on_scene',
  'round_start',
  'round_finish',
  /** A maintenance job's due date (its plan's interval): completed by the end of that day. */
  'plan_due',
] as const;
export type Step = (typeof STEPS)[number];
export const ESCALATING_STEPS: readonly Step[] = ['escalate', 'same_day'];
/** Steps that may come round again (each block, each escalation); the others are once per record. */
export const RECURRING_STEPS: readonly Step[] = ['escalate', 'same_day'];

export interface NewDeadline {
  step: Step;
  dueAt: Date;
}

/**
 * Limits for a site and record type: defaults, then the service's overrides, then the
 * sla_overrides rows from least to most specific (any/any, any/type, site/any, site/type).
 */
export async function limitsFor(
  db: Queryable,
  site: string,
  type: string | null,
  base: Partial<Limits> = {},
): Promise<Limits> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...base };
  const rows = await db.query<{ step: LimitName; limitMs: number }>(
    `SELECT step, limit_ms AS "limitMs" FROM sla_overrides
     WHERE (site_id IS NULL OR site_id = $1) AND (record_type IS NULL OR record_type = $2)
     ORDER BY (site_id IS NOT NULL), (record_type IS NOT NULL)`,
    [site, type],
  );
  for (const r of rows) if (r.step in limits) limits[r.step] = r.limitMs;
  return limits;
}

const after = (t: Date, ms: number) => new Date(t.getTime() + ms);

/** Deadlines set when a record is entered (step "received"). */
export function deadlinesOnCreate(r: ServiceRecord, l: Limits): NewDeadline[] {
  const out: NewDeadline[] = [
    { step: 'record', dueAt: after(r.receivedAt, l.record) },
    {
      step: 'dispatch',
      dueAt: after(r.receivedAt, r.priority === 'emergency' ? l.emergency_relay : l.dispatch),
    },
  ];
  if (r.appointmentAt)
    out.push({ step: 'appointment_call', dueAt: after(r.appointmentAt, -l.appointment_call) });
  if (r.type === 'complaint') {
    out.push({ step: 'complaint_answer', dueAt: after(r.receivedAt, l.complaint_answer) });
    out.push({ step: 'complaint_result', dueAt: after(r.receivedAt, l.complaint_result) });
  }
  return out;
}

/**
 * Deadlines started by entering a state. `endOfDay` is the end of the site's local day, for the
 * "not solved the same day, to the managers' meeting" rule.
 */
export function deadlinesOnEnter(
  r: ServiceRecord,
  action: Action,
  at: Date,
  l: Limits,
  endOfDay: Date,
): NewDeadline[] {
  switch (action) {
    case 'dispatch': {
      // A planned job is generated days ahead: its clock is the plan's due date, not the 10 minutes.
      if (r.type === 'maintenance') return [];
      const onSite = r.appointmentAt
        ? after(r.appointmentAt, -l.appointment_arrive)
        : after(at, r.priority === 'emergency' ? l.on_site_emergency : l.on_site);
      const onSiteDeadline: NewDeadline = { step: 'on_site', dueAt: onSite };
      // Emergencies: go first, sign later; only the arrival is on the clock.
      if (r.priority === 'emergency') return [onSiteDeadline];
      return [{ step: 'acknowledge', dueAt: after(at, l.acknowledge) }, onSiteDeadline];
    }
    case 'arrive':
      return [{ step: 'plan', dueAt: after(at, l.plan) }];
    case 'block':
      return [{ step: 'escalate', dueAt: after(at, l.escalate) }];
    case 'escalate':
      return r.escalationLevel === 1 ? [{ step: 'same_day', dueAt: endOfDay }] : [];
    default:
      return [];
  }
}

/** Steps an action completes. */
export const MEETS: Partial<Record<Action, readonly Step[]>> = {
  dispatch: ['dispatch'],
  acknowledge: ['acknowledge'],
  call_resident: ['appointment_call'],
  // Emergencies sign later: arriving counts as the signature's time too.
  arrive: ['acknowledge', 'on_site'],
  plan: ['plan', 'complaint_answer'],
  escalate: ['escalate', 'same_day'],
  answer: ['complaint_answer'],
  complete: ['complaint_result', 'same_day', 'plan_due'],
};

/** States after which no deadline of the record can still be met: the rest are void. */
export const VOIDING_STATES: readonly State[] = ['closed', 'cancelled'];

/** Sets (or replaces) a limit for a site and/or record type; both omitted changes the default. */
export async function setLimitOverride(
  db: Queryable,
  o: { site?: string | undefined; type?: string | undefined; step: LimitName; limitMs: number },
): Promise<void> {
  if (!LIMIT_NAMES.includes(o.step)) throw new Error(`unknown limit ${o.step}`);
  if (!Number.isInteger(o.limitMs) || o.limitMs <= 0) throw new Error('limitMs must be a positive integer');
  await db.query(
    `INSERT INTO sla_overrides (site_id, record_type, step, limit_ms) VALUES ($1, $2, $3, $4)
     ON CONFLICT (COALESCE(site_id, ''), COALESCE(record_type, ''), step) DO UPDATE SET limit_ms = EXCLUDED.limit_ms`,
    [o.site ?? null, o.type ?? null, o.step, o.limitMs],
  );
}
