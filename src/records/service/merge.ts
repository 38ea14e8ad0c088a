/**
 * Merging (docs/architecture.md, "What the product adds"): a call about a device or place that already has an
 * open record joins it as a linked report, and the caller gets the return visit too, instead of a
 * second dispatch.
 */
import { dateOf } from '../../clock.ts';
import type { Queryable } from '../db.ts';
import type { DeskContext } from './context.ts';
import { stageRecord } from './notices.ts';
import { announce } from './procedure.ts';
import { appendHistory, loadRecord, RECORD_COLUMNS } from './store.ts';
import { type Actor, FINAL_STATES, type ServiceRecord, serviceError } from './types.ts';

export interface MergeQuery {
  site: string;
  deviceId?: string | undefined;
  building?: string | undefined;
  floor?: number | undefined;
  unit?: string | undefined;
  area?: string | undefined;
  location?: string | undefined;
}

export type MergeReason = 'device' | 'unit' | 'floor' | 'area' | 'location';

export interface MergeCandidate {
  record: ServiceRecord;
  /** The strongest match: same device, then same unit, floor, area, or the same place described. */
  reason: MergeReason;
}

export interface Report {
  source: string;
  content: string;
  contactName?: string | undefined;
  contactPhone?: string | undefined;
  receivedAt: Date;
}

const RANK: Record<MergeReason, number> = { device: 0, unit: 1, floor: 2, area: 3, location: 4 };

function reasonFor(r: ServiceRecord, q: MergeQuery): MergeReason | undefined {
  if (q.deviceId && r.deviceId === q.deviceId) return 'device';
  const sameBuilding = q.building !== undefined && r.building === q.building;
  if (sameBuilding && q.floor !== undefined && r.floor === q.floor) {
    return q.unit !== undefined && r.unit === q.unit ? 'unit' : 'floor';
  }
  if (q.area && r.area === q.area) return 'area';
  if (q.location && r.location && r.location.toLowerCase() === q.location.toLowerCase()) return 'location';
  return undefined;
}

/** Open records of the site about the same device or place, best match first (at most 10). */
export async function findMergeCandidates(db: Queryable, q: MergeQuery): Promise<MergeCandidate[]> {
  if (!q.deviceId && !q.building && !q.area && !q.location) return [];
  const rows = await db.query<ServiceRecord>(
    `SELECT ${RECORD_COLUMNS} FROM service_records
     WHERE site_id = $1 AND state NOT IN ('closed', 'cancelled')
       AND ((device_id IS NOT NULL AND device_id = $2) OR (building_id = $3 AND floor = $4)
         OR (area_id IS NOT NULL AND area_id = $5) OR lower(location) = lower($6))
     ORDER BY id DESC LIMIT 50`,
    [q.site, q.deviceId ?? null, q.building ?? null, q.floor ?? null, q.area ?? null, q.location ?? null],
  );
  return rows
    .flatMap((record) => {
      const reason = reasonFor(record, q);
      return reason ? [{ record, reason }] : [];
    })
    .sort((a, b) => RANK[a.reason] - RANK[b.reason] || b.record.id - a.record.id)
    .slice(0, 10);
}

/** Adds a linked report to an open record; a finished record takes no more reports. */
export async function attachReport(
  ctx: DeskContext,
  id: number,
  report: Report,
  actor: Actor,
): Promise<ServiceRecord> {
  const at = dateOf(ctx.now);
  const record = await ctx.db.transaction(async (tx) => {
    const r = await loadRecord(tx, id, true);
    if (FINAL_STATES.includes(r.state)) {
      throw serviceError('illegal-transition', `record ${id} is ${r.state}; record the call as a new one`);
    }
    await tx.query(
      `INSERT INTO record_reports (record_id, source, content, contact_name, contact_phone, received_at, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        id,
        report.source,
        report.content,
        report.contactName ?? null,
        report.contactPhone ?? null,
        report.receivedAt,
        at,
        actor.id,
      ],
    );
    // The caller's name and number stay in the report, where who may see them is decided; the
    // history is shown to everyone who may read the record.
    await appendHistory(tx, 'record', id, {
      at,
      actor,
      action: 'link_report',
      from: r.state,
      to: r.state,
      note: report.content,
    });
    await stageRecord(ctx, tx, 'link_report', r, [], at);
    return r;
  });
  await announce(ctx, 'link_report', actor, record, []);
  return record;
}
