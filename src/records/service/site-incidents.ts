/**
 * Site incidents (docs/rules.md, "Storms"): many devices of one site down together get one record
 * naming them all. The desk keeps the incident, its members' down spans (the equipment intact rate
 * reads them) and its record; every operation is keyed by the incident's idempotency key, so the
 * rules service may repeat any of them after a crash or a database outage.
 */
import { dateOf } from '../../clock.ts';
import type { Queryable } from '../db.ts';
import { RecordsError } from '../errors.ts';
import { requireSite } from '../sites.ts';
import type { DeskContext } from './context.ts';
import { announce, enterRecord } from './procedure.ts';
import { transition } from './records.ts';
import type { Actor, ServiceRecord } from './types.ts';
import { serviceError } from './types.ts';

/** When one member was down: from its fault's start until it reported again (open while `to` is unset). */
export interface IncidentSpan {
  device: string;
  from: Date;
  to?: Date | undefined;
}

export interface SiteIncidentInput {
  site: string;
  /** The incident's idempotency key; `[key]` is written into its record's text. */
  key: string;
  openedAt: Date;
  devices: readonly string[];
  spans?: readonly IncidentSpan[];
  /** The record's words, in the caller's language; its kind is fixed below. */
  record: { title: string; content: string };
}

export interface SiteIncident {
  id: number;
  recordId: number;
  /** This call opened the record (not a repeat). */
  created: boolean;
}

// A staff report (the desk has no device-less device source), urgent, never merged into another.
const INCIDENT_RECORD = { source: 'staff', type: 'repair', trade: 'engineering', priority: 'urgent' };

/** Opens the incident and its record at once, or finds them (a repeat); saves the members' spans. */
export async function openSiteIncident(
  ctx: DeskContext,
  i: SiteIncidentInput,
  actor: Actor,
): Promise<SiteIncident> {
  await requireSite(ctx.db, i.site);
  const at = dateOf(ctx.now);
  const out = await ctx.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO site_incidents (site_id, idempotency_key, opened_at, devices) VALUES ($1, $2, $3, $4)
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [i.site, i.key, i.openedAt, JSON.stringify(i.devices)],
    );
    const [row] = await tx.query<{ id: number; recordId: number | null }>(
      'SELECT id, record_id AS "recordId" FROM site_incidents WHERE idempotency_key = $1 FOR UPDATE',
      [i.key],
    );
    await saveSpans(tx, row!.id, i.spans);
    if (row!.recordId !== null) return { id: row!.id, recordId: row!.recordId, created: undefined };
    // Versions before this one created the record first and linked it after: its text names the key.
    const [found] = await tx.query<{ id: number }>(
      'SELECT id FROM service_records WHERE site_id = $1 AND position($2 in content) > 0 ORDER BY id LIMIT 1',
      [i.site, `[${i.key}]`],
    );
    const created = found
      ? undefined
      : await enterRecord(
          ctx,
          tx,
          { site: i.site, ...INCIDENT_RECORD, ...i.record, receivedAt: at },
          actor,
          at,
        );
    const recordId = found?.id ?? created!.record.id;
    await tx.query('UPDATE site_incidents SET record_id = $2 WHERE id = $1', [row!.id, recordId]);
    return { id: row!.id, recordId, created };
  });
  if (out.created) await announce(ctx, 'create', actor, out.created.record, out.created.breaches);
  return { id: out.id, recordId: out.recordId, created: out.created !== undefined };
}

/** More members: the incident names them and its record gets `note`. */
export async function growSiteIncident(
  ctx: DeskContext,
  key: string,
  g: { devices: readonly string[]; spans?: readonly IncidentSpan[]; note: string },
  actor: Actor,
): Promise<void> {
  const recordId = await ctx.db.transaction(async (tx) => {
    const row = await lockIncident(tx, key);
    await saveSpans(tx, row.id, g.spans);
    await tx.query('UPDATE site_incidents SET devices = $2 WHERE id = $1', [
      row.id,
      JSON.stringify(g.devices),
    ]);
    return row.recordId;
  });
  await noteOn(ctx, recordId, g.note, actor);
}

/** Every member reports again: ended once (a repeat changes nothing and notes nothing); true if now. */
export async function endSiteIncident(
  ctx: DeskContext,
  key: string,
  e: { at: Date; spans?: readonly IncidentSpan[]; note: string },
  actor: Actor,
): Promise<boolean> {
  const ended = await ctx.db.transaction(async (tx) => {
    const row = await lockIncident(tx, key);
    await saveSpans(tx, row.id, e.spans);
    const done = await tx.query(
      'UPDATE site_incidents SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL RETURNING id',
      [row.id, e.at],
    );
    return done.length > 0 ? row.recordId : undefined;
  });
  if (ended === undefined) return false;
  await noteOn(ctx, ended, e.note, actor);
  return true;
}

async function lockIncident(tx: Queryable, key: string): Promise<{ id: number; recordId: number | null }> {
  const [row] = await tx.query<{ id: number; recordId: number | null }>(
    'SELECT id, record_id AS "recordId" FROM site_incidents WHERE idempotency_key = $1 FOR UPDATE',
    [key],
  );
  if (!row) throw serviceError('record-not-found', `no site incident "${key}"`);
  return row;
}

async function saveSpans(tx: Queryable, incidentId: number, spans: readonly IncidentSpan[] = []) {
  for (const x of spans) {
    await tx.query(
      `INSERT INTO site_incident_devices (incident_id, device_id, down_at, back_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (incident_id, device_id, down_at) DO UPDATE SET back_at = EXCLUDED.back_at`,
      [incidentId, x.device, x.from, x.to ?? null],
    );
  }
}

async function noteOn(
  ctx: DeskContext,
  recordId: number | null,
  note: string,
  actor: Actor,
): Promise<ServiceRecord | undefined> {
  if (recordId === null) return undefined;
  try {
    return await transition(ctx, recordId, 'note', actor, { note });
  } catch (err) {
    // Closed by people meanwhile: the incident table still has it. Anything else (a note the desk
    // refuses) is the caller's mistake and is thrown.
    if (!(err instanceof RecordsError && err.code === 'illegal-transition')) throw err;
    ctx.log.info({ recordId, err: err.message }, 'incident record no longer takes notes');
    return undefined;
  }
}
