import type { z } from 'zod';

export type RecordsErrorCode =
  | 'invalid-input'
  | 'site-not-found'
  | 'site-exists'
  | 'building-not-found'
  | 'building-exists'
  | 'area-exists'
  | 'device-not-found'
  | 'device-exists'
  | 'device-revoked'
  | 'records-locked'
  | 'illegal-transition'
  | 'forbidden'
  | 'record-not-found'
  | 'alert-not-found'
  | 'staff-not-found'
  | 'staff-exists'
  | 'no-assignee'
  | 'area-not-found'
  | 'shift-not-found'
  | 'shift-ended'
  | 'maintenance-not-found'
  | 'maintenance-ended'
  | 'maintenance-started'
  | 'maintenance-not-started'
  | 'command-not-supported'
  | 'device-not-tripped'
  | 'zone-not-found'
  | 'zone-exists'
  | 'route-not-found'
  | 'route-exists'
  | 'checkpoint-not-found'
  | 'last-checkpoint'
  | 'schedule-not-found'
  | 'round-not-found'
  | 'plan-not-found'
  | 'plan-ended'
  | 'not-a-job'
  | 'checklist-item-not-found'
  | 'checklist-incomplete';

/** A refusal a person can act on; `code` is stable for the CLI, the API and tests. */
export class RecordsError extends Error {
  override readonly name = 'RecordsError';
  constructor(
    readonly code: RecordsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Parses `input` or throws `invalid-input` naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`);
  throw new RecordsError('invalid-input', `invalid ${what}: ${problems.join('; ')}`);
}
