/**
 * Keeping the duty table (the API's /staff and /duty-shifts, `facility staff|duty`). Nothing is
 * deleted: the records name staff as owners, assignees and actors, and a dispatch must stay
 * explainable by the shifts that were valid when it happened. Staff are deactivated; shifts end.
 */
import { z } from 'zod';
import type { Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import { idSchema } from '../sites.ts';
import { SHIFT_COLUMNS, type Shift, STAFF_COLUMNS, type Staff, staffInput } from './dispatch.ts';
import { instant, serviceError, TRADES } from './types.ts';

/** What may change about a person; the id never does. */
export const staffPatch = staffInput
  .omit({ id: true })
  .extend({
    phone: staffInput.shape.phone.unwrap().nullable().optional(),
    trades: staffInput.shape.trades.removeDefault().optional(),
    sites: staffInput.shape.sites.removeDefault().optional(),
    email: staffInput.shape.email.unwrap().nullable().optional(),
    notifyVia: staffInput.shape.notifyVia.removeDefault().optional(),
    /** null: no quiet hours. */
    quietHours: staffInput.shape.quietHours.unwrap().nullable().optional(),
    /** false takes the person out of the duty table (their shifts no longer count); true brings them back. */
    active: z.boolean().optional(),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, 'name at least one field to change');
export type StaffPatch = z.input<typeof staffPatch>;

export async function updateStaff(db: Queryable, id: string, input: unknown): Promise<Staff> {
  const p = parseInput(staffPatch, input, 'staff change');
  const [row] = await db.query<Staff>(
    `UPDATE staff SET name = COALESCE($2, name), phone = CASE WHEN $3 THEN $4 ELSE phone END,
       roles = COALESCE($5, roles), trades = COALESCE($6, trades), site_ids = COALESCE($7, site_ids),
       active = COALESCE($8, active), email = CASE WHEN $9 THEN $10 ELSE email END,
       notify_via = COALESCE($11, notify_via),
       quiet_from = CASE WHEN $12 THEN $13::time ELSE quiet_from END,
       quiet_until = CASE WHEN $12 THEN $14::time ELSE quiet_until END
     WHERE id = $1 RETURNING ${STAFF_COLUMNS}`,
    [
      id,
      p.name ?? null,
      p.phone !== undefined,
      p.phone ?? null,
      p.roles ?? null,
      p.trades ?? null,
      p.sites ?? null,
      p.active ?? null,
      p.email !== undefined,
      p.email ?? null,
      p.notifyVia ?? null,
      p.quietHours !== undefined,
      p.quietHours?.slice(0, 5) ?? null,
      p.quietHours?.slice(6) ?? null,
    ],
  );
  if (!row) throw staffNotFound(id);
  return row;
}

/** The answers for a person or shift that does not exist, or is of a site the caller may not see. */
export function staffNotFound(id: string) {
  return serviceError('staff-not-found', `staff "${id}" does not exist`);
}
export function shiftNotFound(id: number) {
  return serviceError('shift-not-found', `shift ${id} does not exist`);
}

export const shiftFilter = z.object({
  site: idSchema.optional(),
  /** Only these sites (a sign-in limited to some sites); absent: every site. */
  sites: z.array(idSchema).optional(),
  trade: z.enum(TRADES).optional(),
  staffId: idSchema.optional(),
  /** With `to`: shifts valid at some time in [from, to); either alone bounds one side. */
  from: instant.optional(),
  to: instant.optional(),
});
export type ShiftFilter = z.input<typeof shiftFilter>;

export async function listShifts(db: Queryable, filter: unknown = {}): Promise<Shift[]> {
  const f = parseInput(shiftFilter, filter, 'shift filter');
  return db.query<Shift>(
    `SELECT ${SHIFT_COLUMNS} FROM duty_shifts
     WHERE ($1::text IS NULL OR site_id = $1) AND ($2::text IS NULL OR trade = $2)
       AND ($3::text IS NULL OR staff_id = $3)
       AND ($4::timestamptz IS NULL OR valid_until IS NULL OR valid_until > $4)
       AND ($5::timestamptz IS NULL OR valid_from IS NULL OR valid_from < $5)
       AND ($6::text[] IS NULL OR site_id = ANY($6::text[]))
     ORDER BY site_id COLLATE "C", trade, id`,
    [f.site ?? null, f.trade ?? null, f.staffId ?? null, f.from ?? null, f.to ?? null, f.sites ?? null],
  );
}

export async function getShift(db: Queryable, id: number): Promise<Shift> {
  const [row] = await db.query<Shift>(`SELECT ${SHIFT_COLUMNS} FROM duty_shifts WHERE id = $1`, [id]);
  if (!row) throw shiftNotFound(id);
  return row;
}

/**
 * Ends a shift at `until` (default `at`, now): from then on dispatch no longer picks it. Ending in
 * the past would rewrite who was on duty for slips already dispatched, so it is refused.
 */
export async function endShift(
  db: Queryable,
  id: number,
  o: { until?: Date | undefined; by: string },
  at: Date,
): Promise<Shift> {
  const until = o.until ?? at;
  if (until < at) {
    throw serviceError(
      'invalid-input',
      'invalid shift end: until: must not be in the past (dispatches already made stand)',
    );
  }
  const shift = await getShift(db, id);
  if (shift.validUntil && shift.validUntil <= at) {
    throw serviceError('shift-ended', `shift ${id} already ended at ${shift.validUntil.toISOString()}`);
  }
  const [row] = await db.query<Shift>(
    `UPDATE duty_shifts SET valid_until = GREATEST($2::timestamptz, valid_from), ended_by = $3
     WHERE id = $1 RETURNING ${SHIFT_COLUMNS}`,
    [id, until, o.by],
  );
  return row!;
}
