import { z } from 'zod';
import {
  checkpointInput,
  confirmInput,
  findingInput,
  POINT_STATES,
  ROUND_STATES,
  routeInput,
  scheduleInput,
  TRADES,
  zoneInput,
} from '../../records/service/index.ts';
import { id, instant, serialParams } from './common.ts';
import { historyEntry, record } from './records.ts';

export const zoneBody = zoneInput.omit({ site: true, id: true }).extend({ id });
export const zoneReplaceBody = zoneInput.omit({ site: true, id: true });
export const zoneParams = z.object({ site: id, zone: id });
export const zone = z
  .object({
    site: z.string(),
    id: z.string(),
    name: z.string(),
    buildings: z.array(z.string()),
    areas: z.array(z.string()),
    people: z.partialRecord(z.enum(TRADES), z.array(z.string())).describe('per trade, first preferred'),
  })
  .meta({ id: 'Zone' });

export const routeBody = routeInput
  .omit({ site: true })
  .extend({ checkpoints: z.array(checkpointInput).min(1).max(200) });
export const routeParams = z.object({ site: id, route: id });
const serial = serialParams.shape.id;
export const checkpointParams = routeParams.extend({ checkpoint: serial });
export const scheduleParams = routeParams.extend({ schedule: serial });
export const scheduleBody = scheduleInput.omit({ site: true, route: true });
export const schedule = z
  .object({
    id: z.number().int(),
    site: z.string(),
    route: z.string(),
    weekdays: z.array(z.number().int()),
    starts: z.string(),
  })
  .meta({ id: 'RoundSchedule' });
export const route = z
  .object({
    site: z.string(),
    id: z.string(),
    name: z.string(),
    trade: z.enum(TRADES),
    zone: z.string().nullable(),
    timeLimitMin: z.number().int().nullable(),
    faultKinds: z.array(z.string()),
    faultLookbackH: z.number().int(),
    checkpoints: z.array(
      z.object({
        id: z.number().int(),
        seq: z.number().int(),
        code: z
          .string()
          .describe("the code of the point's QR link (print it: GET /console/rounds/qr/{code}.svg)"),
        name: z.string(),
        building: z.string().nullable(),
        area: z.string().nullable(),
        deviceId: z.string().nullable(),
        location: z.string().nullable(),
      }),
    ),
    schedules: z.array(schedule),
  })
  .meta({ id: 'RoundRoute' });

export const roundParams = serialParams;
export const roundQuery = z.object({
  site: id.optional(),
  state: z
    .string()
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(ROUND_STATES)).min(1))
    .optional()
    .describe('comma-separated states'),
  assignee: id.optional().describe('assigned to, or walked by'),
  zone: id.optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export const startBody = z.union([
  z.object({ round: z.number().int().positive().describe('a due (scheduled) round') }),
  z.object({ site: id, route: id }).describe('an unscheduled round of the route, started now'),
]);
export const confirmBody = confirmInput;
export const findingBody = findingInput;

const at = z.date();
const atOrNull = z.date().nullable();
export const round = z
  .object({
    id: z.number().int(),
    site: z.string(),
    route: z.string(),
    routeName: z.string(),
    scheduleId: z.number().int().nullable(),
    zone: z.string().nullable(),
    trade: z.enum(TRADES),
    state: z.enum(ROUND_STATES),
    dueAt: at,
    assigneeId: z.string().nullable(),
    startedAt: atOrNull,
    startedBy: z.string().nullable(),
    deadlineAt: atOrNull,
    finishedAt: atOrNull,
    finishedBy: z.string().nullable(),
    late: z.boolean().describe('finished after its deadline, or still walking past it'),
    pointsConfirmed: z.number().int().describe("of the round's points, how many are confirmed"),
    pointsTotal: z.number().int(),
  })
  .meta({ id: 'Round' });
export const roundDetail = round
  .extend({
    points: z.array(
      z.object({
        id: z.number().int(),
        seq: z
          .number()
          .int()
          .describe('walking order: faulty devices first (negative), then checkpoints 1..n'),
        checkpointId: z.number().int().nullable(),
        deviceId: z.string().nullable(),
        recordId: z.number().int().nullable().describe("the device's open or recent record"),
        faultCode: z.string().nullable(),
        name: z.string(),
        location: z.string().nullable(),
        state: z.enum(POINT_STATES),
        confirmedAt: atOrNull,
        confirmedBy: z.string().nullable(),
        note: z.string().nullable(),
        findingRecordId: z.number().int().nullable(),
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
    history: z.array(historyEntry),
  })
  .meta({ id: 'RoundDetail' });
export const findingCreated = z.object({
  record,
  merged: z.boolean().describe("true: the finding joined the device's open record"),
  round: roundDetail,
});
