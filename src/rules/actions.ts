/**
 * Performs the engine's actions through the service desk (records/service), each safe to repeat:
 * raises carry idempotency keys, a recovery already noted is not noted again, an incident is
 * found by its key. What the desk cannot do yet (site incidents, closing by rules) is done here
 * over the same database, in the desk's own tables and history.
 */
import type { Logger } from '../log.ts';
import type { Db } from '../records/db.ts';
import { RecordsError } from '../records/errors.ts';
import type { ServiceDesk } from '../records/service/index.ts';
import type { Actor } from '../records/service/types.ts';
import type { Action, IncidentChange } from './engine.ts';
import type { Incident } from './storm.ts';
import { incidentEnded, incidentText, incidentUpdate, type Lang, selfCloseNote } from './text.ts';

export const RULES_ACTOR: Actor = { id: 'rules', role: 'service' };

export interface ActionDeps {
  desk: ServiceDesk;
  db: Db;
  lang: Lang;
  log: Logger;
  count(name: string, n?: number): void;
}

/** A mistake in the input (not the database being away): retrying cannot help. */
export function isPermanent(err: unknown): boolean {
  return err instanceof RecordsError || (err as Error)?.name === 'ZodError';
}

export async function perform(a: Action, deps: ActionDeps): Promise<void> {
  if (a.type === 'raise') return raise(a, deps);
  if (a.type === 'recover') return recover(a, deps);
  return incident(a.incident, a.change, new Date(a.at), deps);
}

async function raise(a: Extract<Action, { type: 'raise' }>, deps: ActionDeps): Promise<void> {
  const occurredAt = new Date(a.occurredAt);
  const r = await deps.desk.raiseDeviceFault(
    {
      deviceId: a.deviceId,
      faultCode: a.fault,
      priority: a.outcome.priority,
      trade: a.outcome.trade,
      type: 'repair',
      title: a.title,
      evidence: a.evidence,
      idempotencyKey: a.key,
      occurredAt,
      continuing: a.continuing,
      floor: a.floor,
    },
    RULES_ACTOR,
  );
  deps.count(r.duplicate ? 'duplicateRaises' : r.created ? 'records' : 'occurrences');
  // A return to an open record changes nothing: its alert is the one already raised.
  if (!a.outcome.alert || (a.continuing && !r.created)) return;
  // Keyed by the episode: a replay finds the alert it already raised.
  await deps.desk.raisePatrolAlert(
    {
      deviceId: a.deviceId,
      recordId: r.record.id,
      code: a.fault,
      priority: a.outcome.alertPriority ?? a.outcome.priority,
      title: a.title,
      location: a.place,
      evidence: a.evidence,
      idempotencyKey: `${a.key}/alert`,
      occurredAt,
    },
    RULES_ACTOR,
  );
  deps.count('alerts');
}

async function recover(a: Extract<Action, { type: 'recover' }>, deps: ActionDeps): Promise<void> {
  const { db } = deps;
  const [open] = await db.query<{ id: number; priority: string; state: string }>(
    `SELECT id, priority, state FROM service_records
     WHERE device_id = $1 AND fault_code = $2 AND state NOT IN ('closed', 'cancelled')`,
    [a.deviceId, a.fault],
  );
  if (!open) return; // closed by people already: nothing to note
  const [last] = await db.query<{ action: string }>(
    `SELECT action FROM service_history WHERE subject = 'record' AND subject_id = $1
       AND action IN ('create', 'occurred', 'recovered') ORDER BY id DESC LIMIT 1`,
    [open.id],
  );
  if (last?.action !== 'recovered') {
    await deps.desk.noteRecovery(
      { deviceId: a.deviceId, faultCode: a.fault, recoveredAt: new Date(a.recoveredAt) },
      RULES_ACTOR,
    );
    deps.count('recoveryNotes');
  }
  if (a.selfClose && open.priority === 'low' && open.state === 'received') await selfClose(open.id, deps);
}

/** Low priority, recovered, nobody dispatched yet: closed by configuration (RulesOptions.selfCloseLow). */
async function selfClose(id: number, deps: ActionDeps): Promise<void> {
  if (await deps.desk.selfCloseRecovered(id, selfCloseNote(deps.lang), RULES_ACTOR)) deps.count('selfClosed');
}

async function incident(inc: Incident, change: IncidentChange, at: Date, deps: ActionDeps) {
  const { db, desk } = deps;
  let [row] = await db.query<{ id: number; recordId: number | null }>(
    'SELECT id, record_id AS "recordId" FROM site_incidents WHERE idempotency_key = $1',
    [inc.key],
  );
  if (!row) {
    [row] = await db.query<{ id: number; recordId: number | null }>(
      `INSERT INTO site_incidents (site_id, idempotency_key, opened_at, devices) VALUES ($1, $2, $3, $4)
       ON CONFLICT (idempotency_key) DO UPDATE SET devices = EXCLUDED.devices RETURNING id, record_id AS "recordId"`,
      [inc.site, inc.key, new Date(inc.openedAt), JSON.stringify(inc.devices)],
    );
  }
  const ref = `[${inc.key}]`;
  if (row!.recordId === null) {
    // Created before a crash but not linked yet: the reference in its text finds it.
    const [found] = await db.query<{ id: number }>(
      `SELECT id FROM service_records WHERE site_id = $1 AND position($2 in content) > 0 ORDER BY id LIMIT 1`,
      [inc.site, ref],
    );
    let recordId = found?.id;
    if (recordId === undefined) {
      const text = incidentText(
        { site: inc.site, devices: inc.devices, openedAt: new Date(inc.openedAt), ref },
        deps.lang,
      );
      // The desk has no device-less 'device' source yet: a staff report by rules, never merged.
      const created = await desk.createRecord(
        {
          site: inc.site,
          source: 'staff',
          type: 'repair',
          trade: 'engineering',
          priority: 'urgent',
          ...text,
          merge: 'new',
        },
        RULES_ACTOR,
      );
      recordId = created.record.id;
      deps.count('incidentRecords');
    }
    await db.query('UPDATE site_incidents SET record_id = $2 WHERE id = $1', [row!.id, recordId]);
    row!.recordId = recordId;
  }
  await saveSpans(row!.id, inc, deps);
  if (change === 'grow') {
    await db.query('UPDATE site_incidents SET devices = $2 WHERE id = $1', [
      row!.id,
      JSON.stringify(inc.devices),
    ]);
    await noteOn(row!.recordId!, incidentUpdate(inc.devices, deps.lang), deps);
  }
  if (change === 'end') {
    const ended = await db.query(
      'UPDATE site_incidents SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL RETURNING id',
      [row!.id, at],
    );
    if (ended.length > 0)
      await noteOn(row!.recordId!, incidentEnded(at, inc.devices.length, deps.lang), deps);
  }
}

/** When each member was down (the equipment intact rate reads them through device_downtime). */
async function saveSpans(incidentId: number, inc: Incident, { db }: ActionDeps): Promise<void> {
  for (const x of inc.spans ?? []) {
    await db.query(
      `INSERT INTO site_incident_devices (incident_id, device_id, down_at, back_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (incident_id, device_id, down_at) DO UPDATE SET back_at = EXCLUDED.back_at`,
      [incidentId, x.device, new Date(x.from), x.to === undefined ? null : new Date(x.to)],
    );
  }
}

async function noteOn(recordId: number, note: string, deps: ActionDeps): Promise<void> {
  try {
    await deps.desk.transition(recordId, 'note', RULES_ACTOR, { note });
  } catch (err) {
    // Closed by people meanwhile: the incident table still has it.
    if (!(err instanceof RecordsError)) throw err;
    deps.log.info({ recordId, err: err.message }, 'incident record no longer takes notes');
  }
}
