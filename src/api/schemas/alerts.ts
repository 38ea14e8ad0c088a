import { z } from 'zod';
import { ALERT_STATES, PRIORITIES, patrolAlertInput } from '../../records/service/index.ts';
import { serialParams } from './common.ts';
import { historyEntry } from './records.ts';

export const alertBody = patrolAlertInput.extend({
  occurredAt: z.iso.datetime({ offset: true }).optional(),
});

export const alertParams = serialParams;

export const alertQuery = z.object({
  site: z.string().min(1).max(64).optional(),
  state: z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(ALERT_STATES)).min(1))
    .optional()
    .describe('comma-separated states'),
  cursor: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const alertActionBody = z
  .object({
    note: z.string().trim().min(1).max(2000).optional().describe('required to resolve or call a false alarm'),
    recordId: z.number().int().positive().optional().describe('the repair record this alert belongs to'),
  })
  .nullish();

export const alert = z
  .object({
    id: z.number().int(),
    site: z.string(),
    deviceId: z.string().nullable(),
    recordId: z.number().int().nullable(),
    code: z.string(),
    priority: z.enum(PRIORITIES).or(z.string()),
    state: z.enum(ALERT_STATES),
    title: z.string(),
    location: z.string().nullable(),
    evidence: z.unknown(),
    occurredAt: z.date().nullable().describe('when it happened (a device fault: its first abnormal reading)'),
    raisedAt: z.date().describe('when it reached the guards; its deadlines run from here'),
    stateSince: z.date(),
    guardId: z.string().nullable(),
    acknowledgedAt: z.date().nullable(),
    onSceneAt: z.date().nullable(),
    endedAt: z.date().nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: 'PatrolAlert' });

export const alertDetail = alert.extend({ history: z.array(historyEntry) }).meta({ id: 'PatrolAlertDetail' });
export const alertPage = z.object({ items: z.array(alert), nextCursor: z.number().int().nullable() });
