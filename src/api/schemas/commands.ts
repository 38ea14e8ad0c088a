import { z } from 'zod';
import { COMMAND_NAMES, KINDS, REPLY_RESULTS } from '../../protocol/index.ts';
import { COMMAND_STATES } from '../../records/index.ts';

export const commandBody = z.object({
  command: z.enum(COMMAND_NAMES).describe('reset: a tripped lighting circuit; report-now: any device'),
  recordId: z
    .number()
    .int()
    .positive()
    .max(2_147_483_647)
    .optional()
    .describe("the record the command is given from: it goes into the record's history"),
  note: z.string().trim().min(1).max(500).optional(),
});

export const commandQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const deviceCommand = z
  .object({
    id: z.string().describe('the idempotency key the device echoes in its reply'),
    deviceId: z.string(),
    site: z.string(),
    kind: z.enum(KINDS),
    command: z.enum(COMMAND_NAMES),
    state: z
      .enum(COMMAND_STATES)
      .describe(
        'queued, sent (the broker took it), answered (done), failed (refused, failed or not published), expired',
      ),
    result: z.enum(REPLY_RESULTS).nullable().describe("the device's answer, also when it came after expiry"),
    detail: z.string().nullable(),
    requestedBy: z.string(),
    requestedRole: z.string(),
    recordId: z.number().int().nullable(),
    note: z.string().nullable(),
    createdAt: z.date(),
    expiresAt: z.date(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    sentAt: z.date().nullable(),
    answeredAt: z.date().nullable(),
    endedAt: z.date().nullable(),
  })
  .meta({ id: 'DeviceCommand' });
