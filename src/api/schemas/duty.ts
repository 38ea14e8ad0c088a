import { z } from 'zod';
import {
  DEFAULT_LIMITS,
  RECORD_TYPES,
  ROLES,
  shiftInput,
  siteLimitsInput,
  staffInput,
  staffPatch,
  TRADES,
} from '../../records/service/index.ts';
import { flag, id, instant, serialParams } from './common.ts';

export const staffBody = staffInput;
export const staffPatchBody = staffPatch;
export const staffParams = z.object({ id });
export const staffQuery = z.object({
  site: id.optional().describe('people who work this site (or every site)'),
  active: flag.optional().describe('only active (true) or deactivated (false) people'),
});

export const staff = z
  .object({
    id: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    roles: z.array(z.enum(ROLES)),
    trades: z.array(z.enum(TRADES)),
    sites: z.array(z.string()).describe('empty: every site'),
    active: z.boolean(),
    email: z.string().nullable(),
    notifyVia: z
      .array(z.string())
      .describe('their own notification channels: sms, email (docs/notifications.md)'),
    quietHours: z
      .string()
      .nullable()
      .describe('HH:MM-HH:MM, site local time: only emergencies reach them in person'),
  })
  .meta({ id: 'Staff' });

export const shiftBody = shiftInput.extend({
  from: instant.optional().describe('the shift counts from this instant; default at once'),
  until: instant.optional().describe('the shift stops counting at this instant; default until ended'),
});
export const shiftParams = serialParams;
export const shiftQuery = z.object({
  site: id.optional(),
  trade: z.enum(TRADES).optional(),
  staffId: id.optional(),
  from: instant.optional().describe('with to: shifts valid at some time in [from, to)'),
  to: instant.optional(),
});
export const shiftEndBody = z
  .object({ until: instant.optional().describe('default now; not in the past') })
  .nullish();

export const shift = z
  .object({
    id: z.number().int(),
    site: z.string(),
    staffId: z.string(),
    trade: z.enum(TRADES),
    area: z.string().nullable().describe('null: the whole site'),
    weekdays: z.array(z.number().int()).describe('ISO weekdays, 1 = Monday'),
    starts: z.string().describe('HH:MM, site local time'),
    ends: z.string().describe('HH:MM; at or before starts: runs past midnight'),
    validFrom: z.date().nullable(),
    validUntil: z.date().nullable(),
    endedBy: z.string().nullable(),
  })
  .meta({ id: 'Shift' });

export const dutyNowQuery = z.object({
  site: id,
  trade: z.enum(TRADES),
  area: id.optional().describe("the record's area: an area's own shift beats a site-wide one"),
  at: instant.optional().describe('default now'),
  building: id.optional().describe("the record's building: its zone's person on duty is preferred"),
});
export const dutyNow = z
  .object({
    site: z.string(),
    trade: z.enum(TRADES),
    area: z.string().nullable(),
    at: z.date(),
    staffId: z.string().describe('who a dispatch without an assignee would hand the slip to'),
    via: z.enum(['zone', 'shift', 'supervisor']),
    zone: z.string().optional().describe('the zone of the building or area, when it is in one'),
    staff: staff.optional(),
  })
  .meta({ id: 'DutyNow' });

const limits = z.object(
  Object.fromEntries(Object.keys(DEFAULT_LIMITS).map((k) => [k, z.number().int()])) as Record<
    keyof typeof DEFAULT_LIMITS,
    z.ZodNumber
  >,
);

export const slaBody = siteLimitsInput;
export const siteLimits = z
  .object({
    site: z.string(),
    overrides: z.array(
      z.object({
        type: z.enum(RECORD_TYPES).nullable().describe('null: every record type'),
        step: z.string(),
        limitMs: z.number().int(),
      }),
    ),
    effective: z
      .object(Object.fromEntries(RECORD_TYPES.map((t) => [t, limits])) as Record<string, typeof limits>)
      .describe('milliseconds the clock applies at this site, per record type'),
  })
  .meta({ id: 'SiteLimits' });
