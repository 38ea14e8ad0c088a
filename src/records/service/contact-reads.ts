/**
 * The audit trail of residents' phone numbers shown in full (PIPL), and whether a person is working
 * a record now: it is assigned to them, or they hold a patrol alert on it. Who may see what is the
 * API's policy (src/api/roles.ts, src/api/contacts.ts); the desk keeps the facts it rests on.
 */
import { z } from 'zod';
import type { Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import { type Actor, instant } from './types.ts';

export const CONTACT_VIEWS = ['record', 'list', 'stream'] as const;
export type ContactView = (typeof CONTACT_VIEWS)[number];

export interface ContactRead {
  id: number;
  at: Date;
  actorId: string;
  actorRole: string;
  recordId: number;
  via: ContactView;
}

/** Notes that `actor` was shown the full contact of these records. */
export async function noteContactReads(
  db: Queryable,
  actor: Actor,
  recordIds: readonly number[],
  via: ContactView,
  at: Date,
): Promise<void> {
  if (recordIds.length === 0) return;
  await db.query(
    `INSERT INTO contact_reads (at, actor_id, actor_role, record_id, via)
     SELECT $1, $2, $3, r, $5 FROM unnest($4::int[]) AS r`,
    [at, actor.id, actor.role, [...new Set(recordIds)], via],
  );
}

export const contactReadsFilter = z.object({
  record: z.number().int().positive().optional(),
  actor: z.string().min(1).max(64).optional(),
  /** at in [from, to). */
  from: instant.optional(),
  to: instant.optional(),
  /** The last id of the previous page (newest first). */
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(500).default(100),
  /** Only reads of these sites' records (a sign-in limited to some sites); absent: every site. */
  sites: z.array(z.string()).optional(),
});
export type ContactReadsFilter = z.input<typeof contactReadsFilter>;

export async function listContactReads(
  db: Queryable,
  filter: ContactReadsFilter,
): Promise<{ reads: ContactRead[]; nextCursor: number | null }> {
  const f = parseInput(contactReadsFilter, filter, 'contact reads filter');
  const rows = await db.query<ContactRead>(
    `SELECT id::int AS id, at, actor_id AS "actorId", actor_role AS "actorRole", record_id AS "recordId", via
     FROM contact_reads
     WHERE ($1::int IS NULL OR record_id = $1) AND ($2::text IS NULL OR actor_id = $2)
       AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
       AND ($5::bigint IS NULL OR id < $5)
       AND ($7::text[] IS NULL OR record_id IN (SELECT id FROM service_records WHERE site_id = ANY($7::text[])))
     ORDER BY id DESC LIMIT $6`,
    [
      f.record ?? null,
      f.actor ?? null,
      f.from ?? null,
      f.to ?? null,
      f.cursor ?? null,
      f.limit + 1,
      f.sites ?? null,
    ],
  );
  const more = rows.length > f.limit;
  const reads = more ? rows.slice(0, f.limit) : rows;
  return { reads, nextCursor: more ? reads.at(-1)!.id : null };
}

/** Of these records, the open ones `staffId` works now: assigned to them, or an alert on it they hold. */
export async function workingOn(
  db: Queryable,
  staffId: string,
  recordIds: readonly number[],
): Promise<Set<number>> {
  if (recordIds.length === 0) return new Set();
  const rows = await db.query<{ id: number }>(
    `SELECT r.id FROM service_records r WHERE r.id = ANY($2::int[]) AND r.state NOT IN ('closed', 'cancelled')
       AND (r.assignee_id = $1 OR EXISTS (SELECT 1 FROM patrol_alerts a WHERE a.record_id = r.id
         AND a.guard_id = $1 AND a.state IN ('acknowledged', 'on_scene')))`,
    [staffId, [...recordIds]],
  );
  return new Set(rows.map((r) => r.id));
}
