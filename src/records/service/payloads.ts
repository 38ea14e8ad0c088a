/**
 * The body each record action takes, one schema per action: the lifecycle table validates with
 * them and the API can reuse them for its request schemas.
 */
import { z } from 'zod';
import { PRIORITIES, RECORD_TYPES, TEXT_MAX, TRADES } from './types.ts';

const note = z.string().trim().min(1).max(TEXT_MAX.note);
const optionalNote = z.object({ note: note.optional() });
const noteRequired = z.object({ note });

export const ACTION_PAYLOADS = {
  /** assigneeId omitted: the duty table chooses (transition() fills it in). */
  dispatch: z.object({ assigneeId: z.string().min(1), note: note.optional() }),
  reassign: z.object({ assigneeId: z.string().min(1), note }),
  reclassify: z
    .object({
      type: z.enum(RECORD_TYPES).optional(),
      trade: z.enum(TRADES).optional(),
      priority: z.enum(PRIORITIES).optional(),
      note,
    })
    .refine((p) => p.type || p.trade || p.priority, 'give type, trade or priority'),
  acknowledge: optionalNote,
  call_resident: optionalNote,
  arrive: optionalNote,
  /** Procedure step "planned": time needed, impact, protection, the resident's part, fee. */
  plan: z.object({
    durationMin: z.number().int().min(1).max(100_000),
    impact: z.string().trim().max(1000).optional(),
    protection: z.string().trim().max(1000).optional(),
    residentPart: z.string().trim().max(1000).optional(),
    /** From the published fee schedule, in fen (cents). */
    feeCents: z.number().int().min(0).default(0),
    residentAgreed: z.literal(true, 'the resident must agree to the plan'),
    note: note.optional(),
  }),
  start: optionalNote,
  block: noteRequired,
  escalate: optionalNote,
  resume: optionalNote,
  /** The slip's closing data: time taken, materials used, amount charged. */
  complete: z.object({
    workMinutes: z.number().int().min(0).max(100_000),
    materials: z
      .array(
        z.object({
          name: z.string().trim().min(1),
          quantity: z.number().positive(),
          unit: z.string().optional(),
        }),
      )
      .default([]),
    feeCents: z.number().int().min(0).default(0),
    note: note.optional(),
  }),
  accept: z.object({ acceptedBy: z.string().trim().min(1).max(100), note: note.optional() }),
  reject: noteRequired,
  visit: z.object({
    fixed: z.boolean(),
    satisfied: z.boolean(),
    chargesOk: z.boolean(),
    note: note.optional(),
  }),
  answer: noteRequired,
  note: noteRequired,
  cancel: z.object({ reason: z.enum(['duplicate', 'mistake', 'withdrawn']), note: note.optional() }),
} as const;
