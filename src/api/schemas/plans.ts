import { z } from 'zod';
import { checkInput, jobFaultInput, planFields, TEMPLATES } from '../../records/service/index.ts';
import { id, serialParams } from './common.ts';

export const planBody = z
  .object(planFields)
  .describe('every, meter, items and the lead omitted: the template’s defaults (FM_PLAN_* settings)');
export const planParams = serialParams;
export const planQuery = z.object({
  site: id.optional(),
  active: z.stringbool().default(true).describe('false: ended plans too'),
});
export const planPatch = z.object({
  state: z.literal('ended').describe('no more jobs; the jobs made go on'),
});

export const plan = z
  .object({
    id: z.number().int(),
    site: z.string(),
    name: z.string(),
    scope: z.enum(['device', 'kind', 'site']),
    device: z.string().nullable(),
    kind: z.string().nullable(),
    template: z.enum(TEMPLATES),
    trade: z.string(),
    every: z.object({ count: z.number().int(), unit: z.enum(['day', 'month']) }).nullable(),
    startsOn: z.string().nullable().describe('first due date, site-local'),
    meter: z.object({ field: z.string(), every: z.number() }).nullable(),
    leadDays: z.number().int(),
    dueDays: z.number().int(),
    items: z.array(z.string()),
    createdAt: z.date(),
    createdBy: z.string(),
    endedAt: z.date().nullable(),
    endedBy: z.string().nullable(),
  })
  .meta({ id: 'MaintenancePlan' });

export const calendarQuery = z.object({
  site: id,
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM'),
});
export const calendarEntry = z.object({
  planId: z.number().int(),
  plan: z.string(),
  deviceId: z.string().nullable(),
  trigger: z.enum(['calendar', 'meter']),
  dueDate: z.string(),
  dueAt: z.date(),
  recordId: z.number().int().nullable().describe('null: not generated yet'),
  state: z.string().nullable(),
  assigneeId: z.string().nullable(),
  completedAt: z.date().nullable(),
  overdue: z.boolean(),
});

export const checklistItem = z
  .object({
    position: z.number().int(),
    text: z.string(),
    result: z.enum(['done', 'not_done', 'fault']).nullable(),
    note: z.string().nullable(),
    faultRecordId: z.number().int().nullable(),
    attachmentId: z.number().int().nullable(),
    checkedAt: z.date().nullable(),
    checkedBy: z.string().nullable(),
  })
  .meta({ id: 'ChecklistItem' });
export const itemParams = serialParams.extend({ position: z.coerce.number().int().min(1).max(1000) });
export const checkBody = checkInput;
export const jobFaultBody = jobFaultInput;
