import { z } from 'zod';
import { RecordsError, type RecordsErrorCode } from '../errors.ts';
import { idSchema } from '../sites.ts';

/** Who may do what (API tokens carry these; the duty table's staff too). */
export const ROLES = [
  'front_desk',
  'engineer',
  'guard',
  'supervisor',
  'manager',
  'admin',
  'service',
] as const;
export type Role = (typeof ROLES)[number];

/** Where the information came from (procedure step "received": source). */
/** `plan`: a job a maintenance plan generated (docs/service-records.md, "Maintenance plans"). */
export const SOURCES = ['call', 'walk_in', 'staff', 'supervisor_order', 'device', 'plan'] as const;
export type Source = (typeof SOURCES)[number];
/** Procedure step "classified": type and trade. */
/** `maintenance`: planned work (a plan's job), not a fault. */
export const RECORD_TYPES = ['complaint', 'help', 'inquiry', 'repair', 'maintenance'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
export const TRADES = ['engineering', 'security', 'fire', 'cleaning', 'customer_service'] as const;
export type Trade = (typeof TRADES)[number];
export const PRIORITIES = ['emergency', 'urgent', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const STATES = [
  'received',
  'dispatched',
  'acknowledged',
  'on_site',
  'planned',
  'in_progress',
  'escalated',
  'awaiting_acceptance',
  'return_visit',
  'closed',
  'cancelled',
] as const;
export type State = (typeof STATES)[number];
export const FINAL_STATES: readonly State[] = ['closed', 'cancelled'];

export interface Actor {
  id: string;
  role: Role;
}

/** The API maps illegal-transition to 409 and forbidden to 403 (codes in ../errors.ts). */
export function serviceError(code: RecordsErrorCode, message: string): RecordsError {
  return new RecordsError(code, message);
}

/** A time from the API (ISO 8601 with offset) or from code (a Date). */
export const instant = z.union([z.date(), z.iso.datetime({ offset: true }).transform((s) => new Date(s))]);
const text = z.string().trim().min(1);
/** The longest text a record's title, content and a history note may hold (the API's limits too). */
export const TEXT_MAX = { title: 200, content: 4000, note: 2000 } as const;
const phone = z.string().regex(/^[0-9+\-() ]{3,32}$/, 'must be a phone number');

/** Where: building / floor / unit, or an area, or free text (procedure step "received": location). */
export const locationFields = {
  building: idSchema.optional(),
  floor: z.number().int().min(-20).max(200).optional(),
  unit: z.string().trim().min(1).max(32).optional(),
  area: idSchema.optional(),
  location: z.string().trim().min(1).max(200).optional(),
};

/** A call, walk-in, staff report or supervisor's order as the front desk enters it. */
export const createRecordInput = z.object({
  site: idSchema,
  source: z.enum(SOURCES).exclude(['device', 'plan']),
  type: z.enum(RECORD_TYPES),
  trade: z.enum(TRADES),
  priority: z.enum(PRIORITIES).default('normal'),
  title: text.max(TEXT_MAX.title).optional(),
  content: text.max(TEXT_MAX.content),
  ...locationFields,
  contactName: text.max(100).optional(),
  contactPhone: phone.optional(),
  deviceId: idSchema.optional(),
  appointmentAt: instant.optional(),
  /** When the information arrived; defaults to now. The 1-minute recording limit runs from it. */
  receivedAt: instant.optional(),
  /** 'auto' attaches to the open record of the same device; 'new' never merges; a record id merges into it. */
  merge: z.union([z.enum(['auto', 'new']), z.number().int().positive()]).default('auto'),
});
export type CreateRecordInput = z.input<typeof createRecordInput>;

export const listRecordsFilter = z.object({
  site: idSchema.optional(),
  /** Only these sites (a person's sign-in limited to some sites); absent: every site. */
  sites: z.array(idSchema).optional(),
  state: z.array(z.enum(STATES)).optional(),
  /** Shorthand for every state but closed and cancelled. */
  open: z.boolean().optional(),
  type: z.enum(RECORD_TYPES).optional(),
  trade: z.enum(TRADES).optional(),
  priority: z.enum(PRIORITIES).optional(),
  assignee: z.string().min(1).optional(),
  deviceId: idSchema.optional(),
  /** received_at range, [from, to). */
  from: instant.optional(),
  to: instant.optional(),
  /** The last id of the previous page (records come newest first). */
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(500).default(50),
});
export type ListRecordsFilter = z.input<typeof listRecordsFilter>;

export interface ServiceRecord {
  id: number;
  site: string;
  source: Source;
  type: RecordType;
  trade: Trade;
  priority: Priority;
  state: State;
  title: string;
  content: string;
  building: string | null;
  floor: number | null;
  unit: string | null;
  area: string | null;
  location: string | null;
  contactName: string | null;
  contactPhone: string | null;
  deviceId: string | null;
  faultCode: string | null;
  evidence: unknown;
  occurrences: number;
  faultAt: Date | null;
  recoveredAt: Date | null;
  appointmentAt: Date | null;
  receivedAt: Date;
  createdAt: Date;
  ownerId: string;
  assigneeId: string | null;
  stateSince: Date;
  dispatchedAt: Date | null;
  acknowledgedAt: Date | null;
  onSiteAt: Date | null;
  plannedAt: Date | null;
  completedAt: Date | null;
  acceptedAt: Date | null;
  visitedAt: Date | null;
  closedAt: Date | null;
  cancelledAt: Date | null;
  escalationLevel: number;
  blockedAt: Date | null;
  reworkCount: number;
  reclassifiedCount: number;
  plan: unknown;
  workMinutes: number | null;
  acceptedBy: string | null;
  materials: unknown;
  feeCents: number | null;
  visitFixed: boolean | null;
  visitSatisfied: boolean | null;
  visitChargesOk: boolean | null;
  cancelReason: string | null;
  /** A repair record found during a maintenance job: that job's record. */
  jobId: number | null;
}

export interface HistoryEntry {
  id: number;
  at: Date;
  actorId: string;
  actorRole: string;
  action: string;
  from: string | null;
  to: string;
  note: string | null;
  data: unknown;
}

export interface LinkedReport {
  id: number;
  source: string;
  content: string;
  contactName: string | null;
  contactPhone: string | null;
  receivedAt: Date;
  createdAt: Date;
  createdBy: string;
}

export interface Deadline {
  id: number;
  step: string;
  round: number;
  dueAt: Date;
  metAt: Date | null;
  voidAt: Date | null;
  breachedAt: Date | null;
}

export interface RecordDetail extends ServiceRecord {
  history: HistoryEntry[];
  reports: LinkedReport[];
  deadlines: Deadline[];
}

/** A patrol alert's states (docs/service-records.md, "Patrol alerts"). */
export const ALERT_STATES = ['raised', 'acknowledged', 'on_scene', 'resolved', 'false_alarm'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface PatrolAlert {
  id: number;
  site: string;
  deviceId: string | null;
  recordId: number | null;
  code: string;
  priority: string;
  state: AlertState;
  title: string;
  location: string | null;
  evidence: unknown;
  /** When what it is about happened (a device's fault: its first abnormal reading). */
  occurredAt: Date | null;
  /** When the alert reached the guards: its deadlines run from here. */
  raisedAt: Date;
  stateSince: Date;
  guardId: string | null;
  acknowledgedAt: Date | null;
  onSceneAt: Date | null;
  endedAt: Date | null;
  note: string | null;
}
