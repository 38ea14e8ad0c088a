/** SQL for service records and their history. One dialect for PGlite and PostgreSQL 15. */
import type { Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import {
  type Actor,
  type Deadline,
  type HistoryEntry,
  type LinkedReport,
  type ListRecordsFilter,
  listRecordsFilter,
  type RecordDetail,
  type ServiceRecord,
  serviceError,
} from './types.ts';

const camel = (c: string) => c.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
const PLAIN = [
  'id',
  'source',
  'type',
  'trade',
  'priority',
  'state',
  'title',
  'content',
  'floor',
  'unit',
  'location',
  'contact_name',
  'contact_phone',
  'device_id',
  'fault_code',
  'evidence',
  'occurrences',
  'fault_at',
  'recovered_at',
  'appointment_at',
  'received_at',
  'created_at',
  'owner_id',
  'assignee_id',
  'state_since',
  'dispatched_at',
  'acknowledged_at',
  'on_site_at',
  'planned_at',
  'completed_at',
  'accepted_at',
  'visited_at',
  'closed_at',
  'cancelled_at',
  'escalation_level',
  'blocked_at',
  'rework_count',
  'reclassified_count',
  'plan',
  'work_minutes',
  'accepted_by',
  'materials',
  'fee_cents',
  'visit_fixed',
  'visit_satisfied',
  'visit_charges_ok',
  'cancel_reason',
  'job_id',
];
/** Columns a transition may write (lifecycle.ts patches); anything else is a programming error. */
export const WRITABLE = new Set(
  PLAIN.filter((c) => !['id', 'received_at', 'created_at', 'owner_id', 'job_id'].includes(c)),
);
export const RECORD_COLUMNS = [
  'site_id AS site',
  'building_id AS building',
  'area_id AS area',
  ...PLAIN.map((c) => (c.includes('_') ? `${c} AS "${camel(c)}"` : c)),
].join(', ');
const JSON_COLUMNS = new Set(['evidence', 'plan', 'materials']);

export interface NewRecord {
  site: string;
  source: string;
  type: string;
  trade: string;
  priority: string;
  title: string;
  content: string;
  building?: string | undefined;
  floor?: number | undefined;
  unit?: string | undefined;
  area?: string | undefined;
  location?: string | undefined;
  contactName?: string | undefined;
  contactPhone?: string | undefined;
  deviceId?: string | undefined;
  faultCode?: string | undefined;
  evidence?: unknown;
  faultAt?: Date | undefined;
  appointmentAt?: Date | undefined;
  receivedAt: Date;
  /** The maintenance job a fault was found during. */
  jobId?: number | undefined;
}

export async function insertRecord(
  tx: Queryable,
  r: NewRecord,
  actor: Actor,
  at: Date,
): Promise<ServiceRecord> {
  const [row] = await tx.query<ServiceRecord>(
    `INSERT INTO service_records (site_id, source, type, trade, priority, state, title, content, building_id,
       floor, unit, area_id, location, contact_name, contact_phone, device_id, fault_code, evidence, fault_at,
       appointment_at, received_at, created_at, owner_id, state_since, job_id)
     VALUES ($1, $2, $3, $4, $5, 'received', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
       $20, $21, $22, $21, $23)
     RETURNING ${RECORD_COLUMNS}`,
    [
      r.site,
      r.source,
      r.type,
      r.trade,
      r.priority,
      r.title,
      r.content,
      r.building ?? null,
      r.floor ?? null,
      r.unit ?? null,
      r.area ?? null,
      r.location ?? null,
      r.contactName ?? null,
      r.contactPhone ?? null,
      r.deviceId ?? null,
      r.faultCode ?? null,
      r.evidence === undefined ? null : JSON.stringify(r.evidence),
      r.faultAt ?? null,
      r.appointmentAt ?? null,
      r.receivedAt,
      at,
      actor.id,
      r.jobId ?? null,
    ],
  );
  return row!;
}

export async function appendHistory(
  tx: Queryable,
  subject: 'record' | 'alert' | 'round',
  id: number,
  e: {
    at: Date;
    actor: Actor;
    action: string;
    from: string | null;
    to: string;
    note?: string | undefined;
    data?: unknown;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO service_history (subject, subject_id, at, actor_id, actor_role, action, from_state, to_state, note, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      subject,
      id,
      e.at,
      e.actor.id,
      e.actor.role,
      e.action,
      e.from,
      e.to,
      e.note ?? null,
      e.data === undefined ? null : JSON.stringify(e.data),
    ],
  );
}

/** The answer for a record that does not exist, and for one of a site the caller may not see. */
export function recordNotFound(id: number) {
  return serviceError('record-not-found', `service record ${id} does not exist`);
}

/** Reads a record; with `lock`, holds its row until the transaction ends so transitions serialize. */
export async function loadRecord(tx: Queryable, id: number, lock = false): Promise<ServiceRecord> {
  const [row] = await tx.query<ServiceRecord>(
    `SELECT ${RECORD_COLUMNS} FROM service_records WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  if (!row) throw recordNotFound(id);
  return row;
}

/** Writes a transition's column changes and the new state. */
export async function updateRecord(
  tx: Queryable,
  id: number,
  patch: Record<string, unknown>,
): Promise<ServiceRecord> {
  const cols = Object.keys(patch);
  for (const c of cols) if (!WRITABLE.has(c)) throw new Error(`column ${c} is not writable`);
  const sets = cols.map((c, i) => `${c} = $${i + 2}`);
  const values = cols.map((c) =>
    JSON_COLUMNS.has(c) && patch[c] !== null ? JSON.stringify(patch[c]) : patch[c],
  );
  const [row] = await tx.query<ServiceRecord>(
    `UPDATE service_records SET ${sets.join(', ')} WHERE id = $1 RETURNING ${RECORD_COLUMNS}`,
    [id, ...values],
  );
  return row!;
}

export async function getRecordDetail(db: Queryable, id: number): Promise<RecordDetail> {
  const record = await loadRecord(db, id);
  const history = await db.query<HistoryEntry>(
    `SELECT id, at, actor_id AS "actorId", actor_role AS "actorRole", action, from_state AS "from",
       to_state AS "to", note, data FROM service_history WHERE subject = 'record' AND subject_id = $1 ORDER BY id`,
    [id],
  );
  const reports = await db.query<LinkedReport>(
    `SELECT id, source, content, contact_name AS "contactName", contact_phone AS "contactPhone",
       received_at AS "receivedAt", created_at AS "createdAt", created_by AS "createdBy"
     FROM record_reports WHERE record_id = $1 ORDER BY id`,
    [id],
  );
  const deadlines = await db.query<Deadline>(
    `SELECT d.id, d.step, d.round, d.due_at AS "dueAt", d.met_at AS "metAt", d.void_at AS "voidAt",
       b.breached_at AS "breachedAt"
     FROM sla_deadlines d LEFT JOIN sla_breaches b ON b.deadline_id = d.id
     WHERE d.subject = 'record' AND d.subject_id = $1 ORDER BY d.due_at, d.id`,
    [id],
  );
  return { ...record, history, reports, deadlines };
}

export interface RecordPage {
  records: ServiceRecord[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: number | null;
}

/** Newest first, keyset-paged by id; the partial index serves a site's open records. */
export async function listRecords(db: Queryable, filter: ListRecordsFilter = {}): Promise<RecordPage> {
  const f = parseInput(listRecordsFilter, filter, 'record filter');
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.site) add('site_id = ?', f.site);
  if (f.sites) add('site_id = ANY(?::text[])', f.sites);
  if (f.state?.length) add('state = ANY(?::text[])', f.state);
  if (f.open) where.push(`state NOT IN ('closed', 'cancelled')`);
  if (f.type) add('type = ?', f.type);
  if (f.trade) add('trade = ?', f.trade);
  if (f.priority) add('priority = ?', f.priority);
  if (f.assignee) add('assignee_id = ?', f.assignee);
  if (f.deviceId) add('device_id = ?', f.deviceId);
  if (f.from) add('received_at >= ?', f.from);
  if (f.to) add('received_at < ?', f.to);
  if (f.cursor) add('id < ?', f.cursor);
  params.push(f.limit + 1);
  const rows = await db.query<ServiceRecord>(
    `SELECT ${RECORD_COLUMNS} FROM service_records ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  const more = rows.length > f.limit;
  const records = more ? rows.slice(0, f.limit) : rows;
  return { records, nextCursor: more ? records[records.length - 1]!.id : null };
}
