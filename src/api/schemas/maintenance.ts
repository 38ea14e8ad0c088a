import { z } from 'zod';
import { MAINTENANCE_SCOPES, MAINTENANCE_STATES, windowChecks } from '../../records/index.ts';
import { id, instant, serialParams } from './common.ts';

export const maintenanceBody = windowChecks(
  z.object({
    site: id,
    scope: z.enum(MAINTENANCE_SCOPES).describe('an area covers the devices of its building'),
    target: id.optional().describe('the building, area or device id; omitted for the whole site'),
    startsAt: instant,
    endsAt: instant,
    note: z.string().trim().min(1).max(500).optional(),
  }),
);

export const maintenanceParams = serialParams;

export const maintenanceQuery = z.object({
  site: id.optional(),
  state: z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(MAINTENANCE_STATES)).min(1))
    .optional()
    .describe('comma-separated: planned, active, ended, cancelled'),
  cursor: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const maintenancePatch = z.object({
  state: z
    .enum(['ended', 'cancelled'])
    .describe('ended: the work finished early (an active window); cancelled: called off before it began'),
});

export const maintenanceWindow = z
  .object({
    id: z.number().int(),
    site: z.string(),
    scope: z.enum(MAINTENANCE_SCOPES),
    target: z.string().nullable(),
    startsAt: z.date(),
    endsAt: z.date().describe('when faults are raised again: the planned end, or when it was ended early'),
    plannedEndsAt: z.date().nullable().describe('the planned end, once ended early'),
    note: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.date(),
    endedAt: z.date().nullable(),
    endedBy: z.string().nullable(),
    cancelledAt: z.date().nullable(),
    state: z.enum(MAINTENANCE_STATES),
  })
  .meta({ id: 'MaintenanceWindow' });

export const maintenancePage = z.object({
  items: z.array(maintenanceWindow),
  nextCursor: z.number().int().nullable(),
});
