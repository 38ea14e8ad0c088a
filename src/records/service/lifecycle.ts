/**
 * The front desk's procedure as a table (docs/service-records.md): each action, the states it may
 * start from, the roles allowed to take it, and what it changes. Anything not in the table is
 * refused. Pure: the store applies the result under a row lock.
 */
import type { z } from 'zod';
import { parseInput } from '../errors.ts';
import { ACTION_PAYLOADS as P } from './payloads.ts';
import {
  type Actor,
  FINAL_STATES,
  type Role,
  type ServiceRecord,
  STATES,
  type State,
  serviceError,
} from './types.ts';

export interface Outcome {
  to: State;
  /** Column updates (snake_case names from this file only). */
  patch: Record<string, unknown>;
  note?: string;
}

interface Rule<S extends z.ZodType = z.ZodType> {
  from: readonly State[];
  roles: readonly Role[];
  /** Engineers and guards act only on slips signed to them; supervisors and above act for anyone. */
  assigneeOnly?: true;
  payload: S;
  apply(record: ServiceRecord, p: z.output<S>, at: Date): Outcome;
}

const rule = <S extends z.ZodType>(r: Rule<S>): Rule<S> => r;

const OPEN: readonly State[] = STATES.filter((s) => !FINAL_STATES.includes(s));
const DESK: readonly Role[] = ['front_desk', 'supervisor', 'manager', 'admin'];
const FIELD: readonly Role[] = ['engineer', 'guard', 'supervisor', 'manager'];
const stay = (r: ServiceRecord) => r.state;

export const TRANSITIONS = {
  // Step "classified and dispatched": handed to the person on duty, read back.
  dispatch: rule({
    from: ['received'],
    roles: [...DESK, 'service'],
    payload: P.dispatch,
    apply: (_r, p, at) => ({
      to: 'dispatched',
      patch: { assignee_id: p.assigneeId, dispatched_at: at },
      note: p.note,
    }),
  }),
  // The hub may hand a slip to someone else; the assignee may not refuse or bounce it.
  reassign: rule({
    from: ['dispatched', 'acknowledged'],
    roles: DESK,
    payload: P.reassign,
    apply: (_r, p) => ({
      to: 'dispatched',
      patch: { assignee_id: p.assigneeId, acknowledged_at: null },
      note: p.note,
    }),
  }),
  // A wrong type, trade or priority; counts against classification accuracy.
  reclassify: rule({
    from: OPEN.filter((s) => s !== 'return_visit'),
    roles: DESK,
    payload: P.reclassify,
    apply: (r, p) => ({
      to: r.state,
      patch: {
        type: p.type ?? r.type,
        trade: p.trade ?? r.trade,
        priority: p.priority ?? r.priority,
        reclassified_count: r.reclassifiedCount + 1,
      },
      note: p.note,
    }),
  }),
  // Step "acknowledged": the assignee signs for the slip.
  acknowledge: rule({
    from: ['dispatched'],
    roles: FIELD,
    assigneeOnly: true,
    payload: P.acknowledge,
    apply: (_r, p, at) => ({ to: 'acknowledged', patch: { acknowledged_at: at }, note: p.note }),
  }),
  // Appointments: call the resident 15 min before.
  call_resident: rule({
    from: ['dispatched', 'acknowledged'],
    roles: [...FIELD, 'front_desk'],
    assigneeOnly: true,
    payload: P.call_resident,
    apply: (r, p) => ({ to: stay(r), patch: {}, note: p.note }),
  }),
  // Step "on site". Emergencies go first and sign later: straight from dispatched.
  arrive: rule({
    from: ['acknowledged', 'dispatched'],
    roles: FIELD,
    assigneeOnly: true,
    payload: P.arrive,
    apply: (r, p, at) => {
      if (r.state === 'dispatched' && r.priority !== 'emergency') {
        throw serviceError(
          'illegal-transition',
          `record ${r.id}: sign for the slip (acknowledge) before arriving; only emergencies go first and sign later`,
        );
      }
      const patch: Record<string, unknown> = { on_site_at: at };
      if (!r.acknowledgedAt) patch.acknowledged_at = at;
      return { to: 'on_site', patch, note: p.note };
    },
  }),
  // Step "planned": time needed, impact, protection, the resident's part, fee; the resident agrees.
  plan: rule({
    from: ['on_site'],
    roles: FIELD,
    assigneeOnly: true,
    payload: P.plan,
    apply: (_r, { note: n, ...plan }, at) => ({ to: 'planned', patch: { plan, planned_at: at }, note: n }),
  }),
  start: rule({
    from: ['planned'],
    roles: FIELD,
    assigneeOnly: true,
    payload: P.start,
    apply: (_r, p) => ({ to: 'in_progress', patch: {}, note: p.note }),
  }),
  // Step "in progress": it cannot be done; the 5-minute escalation clock starts.
  block: rule({
    from: ['in_progress'],
    roles: FIELD,
    assigneeOnly: true,
    payload: P.block,
    apply: (r, p, at) => ({ to: stay(r), patch: { blocked_at: at }, note: p.note }),
  }),
  // To the trade's supervisor (level 1), then the managers' meeting (level 2).
  escalate: rule({
    from: ['on_site', 'planned', 'in_progress', 'escalated'],
    roles: [...FIELD, 'front_desk', 'service'],
    assigneeOnly: true,
    payload: P.escalate,
    apply: (r, p) => {
      if (r.escalationLevel >= 2) {
        throw serviceError('illegal-transition', `record ${r.id} is already with the managers' meeting`);
      }
      return {
        to: 'escalated',
        patch: { escalation_level: r.escalationLevel + 1, blocked_at: null },
        note: p.note,
      };
    },
  }),
  resume: rule({
    from: ['escalated'],
    roles: FIELD,
    assigneeOnly: true,
    payload: P.resume,
    apply: (_r, p) => ({ to: 'in_progress', patch: {}, note: p.note }),
  }),
  // Work done: the slip's closing data.
  complete: rule({
    from: ['in_progress'],
    roles: FIELD,
    assigneeOnly: true,
    payload: P.complete,
    apply: (_r, p, at) => ({
      to: 'awaiting_acceptance',
      patch: { work_minutes: p.workMinutes, materials: p.materials, fee_cents: p.feeCents, completed_at: at },
      note: p.note,
    }),
  }),
  // Step "accepted": the source checks the result and signs.
  accept: rule({
    from: ['awaiting_acceptance'],
    roles: [...FIELD, 'front_desk'],
    assigneeOnly: true,
    payload: P.accept,
    apply: (_r, p, at) => ({
      to: 'return_visit',
      patch: { accepted_by: p.acceptedBy, accepted_at: at },
      note: p.note,
    }),
  }),
  // A failed check: back for a second round; counts against the first-time pass rate.
  reject: rule({
    from: ['awaiting_acceptance'],
    roles: [...FIELD, 'front_desk'],
    assigneeOnly: true,
    payload: P.reject,
    apply: (r, p) => ({ to: 'in_progress', patch: { rework_count: r.reworkCount + 1 }, note: p.note }),
  }),
  // Step "return visit": fixed? satisfied? charges right? Not fixed sends it back as rework.
  visit: rule({
    from: ['return_visit'],
    roles: DESK,
    payload: P.visit,
    apply: (r, p, at) => {
      const patch = {
        visit_fixed: p.fixed,
        visit_satisfied: p.satisfied,
        visit_charges_ok: p.chargesOk,
        visited_at: at,
      };
      if (p.fixed) return { to: 'closed', patch: { ...patch, closed_at: at }, note: p.note };
      return { to: 'in_progress', patch: { ...patch, rework_count: r.reworkCount + 1 }, note: p.note };
    },
  }),
  // Complaints: an answer or an arrangement within 15 minutes.
  answer: rule({
    from: OPEN,
    roles: DESK,
    payload: P.answer,
    apply: (r, p) => {
      if (r.type !== 'complaint')
        throw serviceError('illegal-transition', `record ${r.id} is not a complaint`);
      return { to: stay(r), patch: {}, note: p.note };
    },
  }),
  note: rule({
    from: OPEN,
    roles: ['front_desk', 'engineer', 'guard', 'supervisor', 'manager', 'admin', 'service'],
    payload: P.note,
    apply: (r, p) => ({ to: stay(r), patch: {}, note: p.note }),
  }),
  // Duplicates and mistakes: cancelled with a reason, never deleted.
  cancel: rule({
    from: OPEN,
    roles: DESK,
    payload: P.cancel,
    apply: (_r, p, at) => ({
      to: 'cancelled',
      patch: { cancel_reason: p.reason, cancelled_at: at },
      note: p.note ? `${p.reason}: ${p.note}` : p.reason,
    }),
  }),
} as const;

export type Action = keyof typeof TRANSITIONS;
export const ACTIONS = Object.keys(TRANSITIONS) as Action[];

export function isAction(value: string): value is Action {
  return Object.hasOwn(TRANSITIONS, value);
}

/** Checks action, state, role and payload; returns what the store should write or throws. */
export function decide(
  record: ServiceRecord,
  action: string,
  actor: Actor,
  payload: unknown,
  at: Date,
): Outcome {
  if (!isAction(action)) throw serviceError('illegal-transition', `"${action}" is not an action on a record`);
  const r = TRANSITIONS[action] as Rule;
  if (!r.roles.includes(actor.role)) {
    throw serviceError(
      'forbidden',
      `role ${actor.role} may not ${action} a record (allowed: ${r.roles.join(', ')})`,
    );
  }
  if (!r.from.includes(record.state)) {
    const why = FINAL_STATES.includes(record.state) ? 'it is finished' : `it is ${record.state}`;
    throw serviceError('illegal-transition', `record ${record.id}: cannot ${action}, ${why}`);
  }
  if (
    r.assigneeOnly &&
    (actor.role === 'engineer' || actor.role === 'guard') &&
    record.assigneeId !== actor.id
  ) {
    throw serviceError(
      'forbidden',
      `record ${record.id} is assigned to ${record.assigneeId ?? 'nobody'}, not ${actor.id}`,
    );
  }
  const p = parseInput(r.payload, payload ?? {}, `${action} payload`);
  return r.apply(record, p, at);
}
