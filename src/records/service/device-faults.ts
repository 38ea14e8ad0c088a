/**
 * Devices as a source of information (docs/architecture.md, "What the product adds"): one open record per
 * device and fault; repeats add occurrences; the same idempotency key twice changes nothing.
 */
import { z } from 'zod';
import { dateOf } from '../../clock.ts';
import { sqlState } from '../db.ts';
import { parseInput } from '../errors.ts';
import { idSchema } from '../sites.ts';
import type { DeskContext } from './context.ts';
import { pickAssignee } from './dispatch.ts';
import { faultText, recoveryNote } from './i18n.ts';
import { announce, applyAction, enterRecord } from './procedure.ts';
import { voidOpenDeadlines } from './sla.ts';
import { appendHistory, loadRecord, updateRecord } from './store.ts';
import {
  type Actor,
  instant,
  PRIORITIES,
  RECORD_TYPES,
  type ServiceRecord,
  serviceError,
  TRADES,
} from './types.ts';

export const deviceFaultInput = z.object({
  deviceId: idSchema,
  faultCode: z.string().regex(/^[a-z0-9_]{1,64}$/),
  priority: z.enum(PRIORITIES),
  trade: z.enum(TRADES),
  type: z.enum(RECORD_TYPES).default('repair'),
  title: z.string().trim().min(1).max(200).optional(),
  evidence: z.unknown().optional(),
  idempotencyKey: z.string().min(1).max(200),
  /** When the fault began (the first abnormal reading): the record's faultAt. Its deadlines run from now. */
  occurredAt: instant,
  /** The floor the device reports it is at (a lift's car); the registry's floor otherwise. */
  floor: z.number().int().min(-20).max(200).optional(),
  /** Dispatch at once through the duty table instead of waiting for the front desk. */
  autoDispatch: z.boolean().default(false),
  /**
   * The fault came back before its clear was confirmed (the same episode, for rules): open a record
   * if the fault has none open (people closed or cancelled it meanwhile: the fault is still there),
   * otherwise change nothing, not even an occurrence.
   */
  continuing: z.boolean().default(false),
});
export type DeviceFaultInput = z.input<typeof deviceFaultInput>;

export interface RaisedFault {
  record: ServiceRecord;
  /** A new record was opened. */
  created: boolean;
  /** Nothing changed: the key was seen before, or a continuing fault already has its open record. */
  duplicate: boolean;
}

const RULES: Actor = { id: 'rules', role: 'service' };

interface DeviceRow {
  site: string;
  kind: string;
  building: string | null;
  floor: number | null;
  location: string | null;
  timezone: string;
}

async function attempt(ctx: DeskContext, f: z.output<typeof deviceFaultInput>, actor: Actor) {
  const at = dateOf(ctx.now);
  return ctx.db.transaction(async (tx) => {
    const [seen] = await tx.query<{ recordId: number }>(
      'SELECT record_id AS "recordId" FROM device_fault_occurrences WHERE idempotency_key = $1',
      [f.idempotencyKey],
    );
    if (seen)
      return { record: await loadRecord(tx, seen.recordId), created: false, duplicate: true, breaches: [] };
    const [device] = await tx.query<DeviceRow>(
      `SELECT d.site_id AS site, d.kind, d.building_id AS building, d.floor, d.location, s.timezone
       FROM devices d JOIN sites s ON s.id = d.site_id WHERE d.id = $1`,
      [f.deviceId],
    );
    if (!device) throw serviceError('invalid-input', `device "${f.deviceId}" is not registered`);
    const [open] = await tx.query<{ id: number }>(
      `SELECT id FROM service_records WHERE device_id = $1 AND fault_code = $2
         AND state NOT IN ('closed', 'cancelled') FOR UPDATE`,
      [f.deviceId, f.faultCode],
    );
    const occurrence = async (recordId: number) =>
      tx.query(
        'INSERT INTO device_fault_occurrences (idempotency_key, record_id, occurred_at, evidence) VALUES ($1, $2, $3, $4)',
        [
          f.idempotencyKey,
          recordId,
          f.occurredAt,
          f.evidence === undefined ? null : JSON.stringify(f.evidence),
        ],
      );
    if (open && f.continuing)
      return { record: await loadRecord(tx, open.id), created: false, duplicate: true, breaches: [] };
    if (open) {
      const r = await loadRecord(tx, open.id);
      // The fault is back: not recovered until the device says so again.
      const record = await updateRecord(tx, open.id, { occurrences: r.occurrences + 1, recovered_at: null });
      await occurrence(open.id);
      await appendHistory(tx, 'record', open.id, {
        at,
        actor,
        action: 'occurred',
        from: r.state,
        to: r.state,
        note: f.occurredAt.toISOString(),
        data: f.evidence,
      });
      return { record, created: false, duplicate: false, breaches: [] };
    }
    // Where the device says it is beats where it was registered: people are sent there.
    const floor = f.floor ?? device.floor;
    const place = [device.building, floor === null ? null : `${floor}F`, device.location]
      .filter(Boolean)
      .join(' ');
    const text = faultText(
      {
        code: f.faultCode,
        kind: device.kind,
        deviceId: f.deviceId,
        place,
        occurredAt: f.occurredAt,
        timezone: device.timezone,
        evidence: f.evidence,
      },
      ctx.lang,
    );
    const entered = await enterRecord(
      ctx,
      tx,
      {
        site: device.site,
        source: 'device',
        type: f.type,
        trade: f.trade,
        priority: f.priority,
        title: f.title ?? text.title,
        content: text.content,
        building: device.building ?? undefined,
        floor: floor ?? undefined,
        location: device.location ?? undefined,
        deviceId: f.deviceId,
        faultCode: f.faultCode,
        evidence: f.evidence,
        // The information arrives when the platform is sure of the fault (confirmation times,
        // heartbeats, storm settling): the procedure's clock starts now, like a call's when the phone
        // rings. When the fault began (the first abnormal reading) is kept as its own evidence.
        faultAt: f.occurredAt,
        receivedAt: at,
      },
      actor,
      at,
    );
    await occurrence(entered.record.id);
    return { ...entered, created: true, duplicate: false };
  });
}

/** Opens, or adds an occurrence to, the record of a device fault. Safe to call again with the same key. */
export async function raiseDeviceFault(
  ctx: DeskContext,
  input: DeviceFaultInput,
  actor = RULES,
): Promise<RaisedFault> {
  const f = parseInput(deviceFaultInput, input, 'device fault');
  let result: Awaited<ReturnType<typeof attempt>> | undefined;
  // A concurrent raise of the same fault or key wins the unique index; ours then becomes a repeat.
  for (let i = 0; !result; i++) {
    try {
      result = await attempt(ctx, f, actor);
    } catch (err) {
      if (sqlState(err) !== '23505' || i >= 2) throw err;
    }
  }
  const { breaches, ...out } = result;
  if (!out.duplicate) await announce(ctx, out.created ? 'create' : 'occurred', actor, out.record, breaches);
  if (out.created && f.autoDispatch) {
    const at = dateOf(ctx.now);
    const assigneeId = await pickAssignee(ctx.db, {
      site: out.record.site,
      trade: out.record.trade,
      building: out.record.building,
      area: null,
      at,
    });
    const d = await ctx.db.transaction((tx) =>
      applyAction(ctx, tx, out.record.id, 'dispatch', actor, { assigneeId }, at),
    );
    await announce(ctx, 'dispatch', actor, d.record, d.breaches);
    out.record = d.record;
  }
  return out;
}

export const recoveryInput = z.object({
  deviceId: idSchema,
  faultCode: z.string().regex(/^[a-z0-9_]{1,64}$/),
  recoveredAt: instant,
});
export type RecoveryInput = z.input<typeof recoveryInput>;

/**
 * The device says the fault has cleared: a "recovered at" note, the occurrences still on end, and
 * the record shows this recovery (a later occurrence clears it again). The record runs its course.
 */
export async function noteRecovery(
  ctx: DeskContext,
  input: RecoveryInput,
  actor = RULES,
): Promise<Recovery | undefined> {
  const r = parseInput(recoveryInput, input, 'device recovery');
  const at = dateOf(ctx.now);
  const out = await ctx.db.transaction(async (tx) => {
    const [open] = await tx.query<{ id: number; state: string; timezone: string }>(
      `SELECT r.id, r.state, s.timezone FROM service_records r JOIN sites s ON s.id = r.site_id
       WHERE r.device_id = $1 AND r.fault_code = $2 AND r.state NOT IN ('closed', 'cancelled') FOR UPDATE OF r`,
      [r.deviceId, r.faultCode],
    );
    if (!open) return undefined;
    // Noted once per outage: a repeat (the rules service retrying, a replay) finds it noted already.
    const [last] = await tx.query<{ action: string }>(
      `SELECT action FROM service_history WHERE subject = 'record' AND subject_id = $1
         AND action IN ('create', 'occurred', 'recovered') ORDER BY id DESC LIMIT 1`,
      [open.id],
    );
    if (last?.action === 'recovered') return { record: await loadRecord(tx, open.id), noted: false };
    // Every occurrence still on ends here; the record shows the latest recovery.
    await tx.query(
      `UPDATE device_fault_occurrences SET recovered_at = $2
       WHERE record_id = $1 AND recovered_at IS NULL AND occurred_at <= $2`,
      [open.id, r.recoveredAt],
    );
    await tx.query('UPDATE service_records SET recovered_at = $2 WHERE id = $1', [open.id, r.recoveredAt]);
    await appendHistory(tx, 'record', open.id, {
      at,
      actor,
      action: 'recovered',
      from: open.state,
      to: open.state,
      note: recoveryNote(r.recoveredAt, open.timezone, ctx.lang),
    });
    return { record: await loadRecord(tx, open.id), noted: true };
  });
  if (out?.noted) await announce(ctx, 'recovered', actor, out.record, []);
  return out;
}

/** The device's open record after a recovery, and whether this call noted it (false: noted before). */
export interface Recovery {
  record: ServiceRecord;
  noted: boolean;
}

/**
 * Closes a recovered low-priority device record nobody was dispatched to (the rules service, when
 * configured to): the one path that skips acceptance and the return visit, so it is narrow: the
 * record must still be `received` and low priority. Undefined when it no longer is.
 */
export async function selfCloseRecovered(
  ctx: DeskContext,
  id: number,
  note: string,
  actor = RULES,
): Promise<ServiceRecord | undefined> {
  const at = dateOf(ctx.now);
  const record = await ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<{ state: string }>(
      `SELECT state FROM service_records WHERE id = $1 AND priority = 'low' AND source = 'device' FOR UPDATE`,
      [id],
    );
    if (row?.state !== 'received') return undefined;
    const closed = await updateRecord(tx, id, { state: 'closed', closed_at: at, state_since: at });
    await appendHistory(tx, 'record', id, {
      at,
      actor,
      action: 'self_close',
      from: 'received',
      to: 'closed',
      note,
    });
    await voidOpenDeadlines(tx, 'record', id, at);
    return closed;
  });
  if (record) await announce(ctx, 'self_close', actor, record, []);
  return record;
}
