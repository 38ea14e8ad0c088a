import { z } from 'zod';
import { KINDS } from '../../protocol/index.ts';
import { flag, id, instant } from './common.ts';

export const deviceBody = z.object({
  id: id.describe('also the MQTT client id and username'),
  site: id,
  kind: z.enum(KINDS),
  model: z.string().trim().min(1).max(100).optional(),
  building: id.optional(),
  floor: z.number().int().min(-20).max(200).optional().describe('negative for basements (B2 is -2)'),
  location: z.string().trim().min(1).max(200).optional(),
  intervalS: z.number().int().min(1).max(86_400).optional().describe('telemetry period, seconds; default 10'),
  installedOn: z.iso.date().optional(),
});

export const deviceQuery = z.object({
  site: id.optional(),
  kind: z.enum(KINDS).optional(),
  includeRevoked: flag.optional(),
});

export const device = z
  .object({
    id: z.string(),
    site: z.string(),
    kind: z.enum(KINDS),
    model: z.string().nullable(),
    building: z.string().nullable(),
    floor: z.number().int().nullable(),
    location: z.string().nullable(),
    intervalS: z.number().int(),
    installedOn: z.string().nullable(),
    createdAt: z.date(),
    secretRotatedAt: z.date().nullable(),
    revokedAt: z.date().nullable(),
  })
  .meta({ id: 'Device' });

/** Shown once: only a hash of the password is kept. */
export const credentials = z
  .object({
    deviceId: z.string(),
    username: z.string(),
    password: z.string(),
    clientId: z.string(),
    topics: z.object({ publish: z.array(z.string()), subscribe: z.array(z.string()) }),
    device,
  })
  .meta({ id: 'DeviceCredentials' });

const reading = z.union([z.number(), z.string(), z.boolean(), z.null()]);

export const deviceStatus = z.object({
  device,
  status: z.enum(['online', 'offline', 'unknown']).describe('from the retained status message'),
  statusAt: z.date().nullable(),
  lastReadingAt: z.date().nullable(),
  /** No telemetry for three intervals: a fault of any kind (docs/architecture.md). */
  heartbeatLost: z.boolean(),
  readings: z.record(z.string(), reading),
});

export const historyQuery = z
  .object({
    from: instant,
    to: instant.optional().describe('default now'),
    fields: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,63}(,[a-z][a-z0-9_]{0,63}){0,31}$/, 'comma-separated field names')
      .optional()
      .describe('e.g. speed_mps,door_open; default all'),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  })
  .refine((q) => !q.to || q.to > q.from, { message: 'must be after from', path: ['to'] });

export const history = z.object({
  deviceId: z.string(),
  from: z.date(),
  to: z.date(),
  points: z.array(z.record(z.string(), z.union([reading, z.date()]))),
  truncated: z.boolean(),
});
