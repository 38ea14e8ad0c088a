/**
 * The delivery log (docs/notifications.md): each notification the desk wrote, its state, its
 * attempts and the receiver's last answer, for a record, an alert or a person, newest first.
 */
import { z } from 'zod';
import type { Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import { idSchema } from '../sites.ts';

export const deliveryLogFilter = z
  .object({
    subject: z.enum(['record', 'alert']).optional(),
    subjectId: z.number().int().positive().optional(),
    staffId: idSchema.optional(),
    cursor: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .refine(
    (f) => (f.subject === undefined) === (f.subjectId === undefined),
    'subject and subjectId go together',
  );
export type DeliveryLogFilter = z.input<typeof deliveryLogFilter>;

export interface Delivery {
  id: number;
  key: string;
  event: string;
  subject: 'record' | 'alert';
  subjectId: number;
  site: string;
  channel: 'webhook' | 'wecom' | 'dingtalk' | 'feishu' | 'email' | 'sms';
  /** A receiver's name, or the person's e-mail address or phone number. */
  target: string;
  staffId: string | null;
  mentions: string[];
  emergency: boolean;
  title: string;
  state: 'queued' | 'sent' | 'failed' | 'gave_up';
  attempts: number;
  createdAt: Date;
  nextAt: Date;
  sentAt: Date | null;
  lastStatus: number | null;
  lastAnswer: string | null;
}

export async function deliveryLog(
  db: Queryable,
  filter: DeliveryLogFilter,
): Promise<{ items: Delivery[]; nextCursor: number | null }> {
  const f = parseInput(deliveryLogFilter, filter, 'delivery log filter');
  const rows = await db.query<Delivery>(
    `SELECT id, key, event, subject, subject_id AS "subjectId", site_id AS site, channel, target, staff_id AS "staffId",
       mentions, emergency, message->>'title' AS title, state, attempts, created_at AS "createdAt", next_at AS "nextAt",
       sent_at AS "sentAt", last_status AS "lastStatus", last_answer AS "lastAnswer"
     FROM notify_outbox
     WHERE ($1::text IS NULL OR (subject = $1 AND subject_id = $2)) AND ($3::text IS NULL OR staff_id = $3)
       AND ($4::int IS NULL OR id < $4)
     ORDER BY id DESC LIMIT $5`,
    [f.subject ?? null, f.subjectId ?? null, f.staffId ?? null, f.cursor ?? null, f.limit + 1],
  );
  const more = rows.length > f.limit;
  const items = more ? rows.slice(0, f.limit) : rows;
  return { items, nextCursor: more ? items[items.length - 1]!.id : null };
}
