/**
 * Performs the engine's actions through the service desk (records/service), each safe to repeat:
 * raises carry idempotency keys, a recovery already noted is not noted again, a site incident is
 * found by its key. Rules holds no table of the desk's: it asks the desk, through its facade.
 */
import type { Logger } from '../log.ts';
import { RecordsError } from '../records/index.ts';
import { type Actor, type IncidentSpan, type ServiceDesk, TEXT_MAX } from '../records/service/index.ts';
import type { Action } from './engine.ts';
import { incidentEnded, incidentText, incidentUpdate, type Lang, selfCloseNote } from './text.ts';

export const RULES_ACTOR: Actor = { id: 'rules', role: 'service' };

export interface ActionDeps {
  desk: ServiceDesk;
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
  if (a.type === 'meters') {
    const jobs = await deps.desk.noteMeters({
      deviceId: a.deviceId,
      readings: a.readings,
      at: new Date(a.at),
    });
    if (jobs.length > 0) deps.count('meterJobs', jobs.length);
    return;
  }
  return incident(a, deps);
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
  const r = await deps.desk.noteRecovery(
    { deviceId: a.deviceId, faultCode: a.fault, recoveredAt: new Date(a.recoveredAt) },
    RULES_ACTOR,
  );
  if (!r) return; // closed by people already: nothing to note
  if (r.noted) deps.count('recoveryNotes');
  const { id, priority, state } = r.record;
  if (a.selfClose && priority === 'low' && state === 'received') await selfClose(id, deps);
}

/** Low priority, recovered, nobody dispatched yet: closed by configuration (RulesOptions.selfCloseLow). */
async function selfClose(id: number, deps: ActionDeps): Promise<void> {
  if (await deps.desk.selfCloseRecovered(id, selfCloseNote(deps.lang), RULES_ACTOR)) deps.count('selfClosed');
}

/** Opened (or found again) on every change, so a grow or an end replayed after a crash still has it. */
async function incident(a: Extract<Action, { type: 'incident' }>, deps: ActionDeps) {
  const { incident: inc, change, added } = a;
  const at = new Date(a.at);
  const { desk, lang } = deps;
  const openedAt = new Date(inc.openedAt);
  const spans: IncidentSpan[] = (inc.spans ?? []).map((x) => ({
    device: x.device,
    from: new Date(x.from),
    to: x.to === undefined ? undefined : new Date(x.to),
  }));
  const opened = await desk.openSiteIncident(
    {
      site: inc.site,
      key: inc.key,
      openedAt,
      devices: inc.devices,
      spans,
      record: incidentText(
        { site: inc.site, devices: inc.devices, openedAt, ref: `[${inc.key}]` },
        lang,
        TEXT_MAX.content,
      ),
    },
    RULES_ACTOR,
  );
  if (opened.created) deps.count('incidentRecords');
  if (change === 'grow')
    await desk.growSiteIncident(
      inc.key,
      {
        devices: inc.devices,
        spans,
        note: incidentUpdate(inc.devices.length, added ?? [], lang, TEXT_MAX.note),
      },
      RULES_ACTOR,
    );
  if (change === 'end')
    await desk.endSiteIncident(
      inc.key,
      { at, spans, note: incidentEnded(at, inc.devices.length, lang) },
      RULES_ACTOR,
    );
}
