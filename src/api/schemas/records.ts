import { z } from 'zod';
import {
  ACTIONS,
  createRecordInput,
  PRIORITIES,
  RECORD_TYPES,
  SOURCES,
  STATES,
  TRADES,
} from '../../records/service/index.ts';
import { flag, id, serialParams } from './common.ts';

const iso = z.iso.datetime({ offset: true });

/** The desk's own schema, with times as ISO 8601 strings on the wire (the desk parses them again). */
export const recordBody = createRecordInput.extend({
  appointmentAt: iso.optional().describe('booked appointment'),
  receivedAt: iso.optional().describe('when the call rang; default now (the 1-minute limit runs from it)'),
});

export const recordParams = serialParams;
export const actionParams = recordParams.extend({ action: z.enum(ACTIONS) });

const list = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(values)).min(1));

export const recordQuery = z.object({
  site: id.optional(),
  state: list(STATES).optional().describe('comma-separated states'),
  open: flag.optional().describe('every state but closed and cancelled'),
  type: z.enum(RECORD_TYPES).optional(),
  trade: z.enum(TRADES).optional(),
  priority: z.enum(PRIORITIES).optional(),
  assignee: z.string().min(1).max(64).optional(),
  deviceId: id.optional(),
  from: iso.optional().describe('received at or after'),
  to: iso.optional().describe('received before'),
  cursor: z.coerce.number().int().positive().optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const mergeQuery = z.object({
  site: id,
  deviceId: id.optional(),
  building: id.optional(),
  floor: z.coerce.number().int().min(-20).max(200).optional(),
  unit: z.string().trim().min(1).max(32).optional(),
  area: id.optional(),
  location: z.string().trim().min(1).max(200).optional(),
});

const at = z.date();
const atOrNull = z.date().nullable();

export const record = z
  .object({
    id: z.number().int(),
    site: z.string(),
    source: z.enum(SOURCES),
    type: z.enum(RECORD_TYPES),
    trade: z.enum(TRADES),
    priority: z.enum(PRIORITIES),
    state: z.enum(STATES),
    title: z.string(),
    content: z.string(),
    building: z.string().nullable(),
    floor: z.number().int().nullable(),
    unit: z.string().nullable(),
    area: z.string().nullable(),
    location: z.string().nullable(),
    contactName: z.string().nullable(),
    contactPhone: z.string().nullable(),
    deviceId: z.string().nullable(),
    faultCode: z.string().nullable(),
    evidence: z.unknown(),
    occurrences: z.number().int(),
    faultAt: atOrNull,
    recoveredAt: atOrNull,
    appointmentAt: atOrNull,
    receivedAt: at,
    createdAt: at,
    ownerId: z.string(),
    assigneeId: z.string().nullable(),
    stateSince: at,
    dispatchedAt: atOrNull,
    acknowledgedAt: atOrNull,
    onSiteAt: atOrNull,
    plannedAt: atOrNull,
    completedAt: atOrNull,
    acceptedAt: atOrNull,
    visitedAt: atOrNull,
    closedAt: atOrNull,
    cancelledAt: atOrNull,
    escalationLevel: z.number().int().describe('0 none, 1 trade supervisor, 2 managers’ meeting'),
    blockedAt: atOrNull,
    reworkCount: z.number().int(),
    reclassifiedCount: z.number().int(),
    plan: z.unknown(),
    workMinutes: z.number().int().nullable(),
    acceptedBy: z.string().nullable(),
    materials: z.unknown(),
    feeCents: z.number().int().nullable(),
    visitFixed: z.boolean().nullable(),
    visitSatisfied: z.boolean().nullable(),
    visitChargesOk: z.boolean().nullable(),
    cancelReason: z.string().nullable(),
    jobId: z.number().int().nullable().describe('a fault found during a maintenance job: that job'),
  })
  .meta({ id: 'ServiceRecord' });

export const historyEntry = z
  .object({
    id: z.number().int(),
    at,
    actorId: z.string(),
    actorRole: z.string(),
    action: z.string(),
    from: z.string().nullable(),
    to: z.string(),
    note: z.string().nullable(),
    data: z.unknown(),
  })
  .meta({ id: 'HistoryEntry' });

export const recordDetail = record
  .extend({
    history: z.array(historyEntry),
    reports: z.array(
      z.object({
        id: z.number().int(),
        source: z.string(),
        content: z.string(),
        contactName: z.string().nullable(),
        contactPhone: z.string().nullable(),
        receivedAt: at,
        createdAt: at,
        createdBy: z.string(),
      }),
    ),
    deadlines: z.array(
      z.object({
        id: z.number().int(),
        step: z.string(),
        round: z.number().int(),
        dueAt: at,
        metAt: atOrNull,
        voidAt: atOrNull,
        breachedAt: atOrNull,
      }),
    ),
  })
  .meta({ id: 'ServiceRecordDetail' });

export const candidate = z
  .object({ record, reason: z.enum(['device', 'unit', 'floor', 'area', 'location']) })
  .meta({ id: 'MergeCandidate' });

export const created = z.object({
  record,
  merged: z.boolean().describe('true: the call joined this open record as a linked report'),
  candidates: z.array(candidate).describe('other open records about the same place, best match first'),
});

export const recordPage = z.object({ items: z.array(record), nextCursor: z.number().int().nullable() });
