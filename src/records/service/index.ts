/**
 * The service desk: the front desk's procedure over the records store. openServiceDesk binds the
 * domain functions to a database, a clock and a language; start()/stop() run the breach watcher.
 */
import type { Logger } from '../../log.ts';
import type { Db } from '../db.ts';
import { requireSite } from '../sites.ts';
import { type LimitName, type Limits, setLimitOverride } from './clock.ts';
import * as contacts from './contact-reads.ts';
import type { DeskContext } from './context.ts';
import { type DeliveryLogFilter, deliveryLog } from './delivery-log.ts';
import * as devices from './device-faults.ts';
import * as dispatch from './dispatch.ts';
import * as dutyTable from './duty-table.ts';
import { logDeskEvent } from './event-log.ts';
import { createEmitter, type DeskListener } from './events.ts';
import type { Lang } from './i18n.ts';
import { findMergeCandidates, type MergeQuery } from './merge.ts';
import type { OutboxHook } from './notices.ts';
import * as patrol from './patrol.ts';
import { createRecord, transition } from './records.ts';
import * as incidents from './site-incidents.ts';
import { replaceSiteLimits, siteLimits } from './site-limits.ts';
import { type StatsQuery, siteStats } from './stats.ts';
import { statsCsv, statsJson } from './stats-output.ts';
import { getRecordDetail, listRecords } from './store.ts';
import type { Actor, CreateRecordInput, ListRecordsFilter } from './types.ts';
import { BreachWatcher } from './watcher.ts';

export { DEFAULT_LIMITS, type LimitName, type Limits, STEPS, type Step } from './clock.ts';
export {
  CONTACT_VIEWS,
  type ContactRead,
  type ContactReadsFilter,
  type ContactView,
  contactReadsFilter,
} from './contact-reads.ts';
export { type Delivery, type DeliveryLogFilter, deliveryLogFilter } from './delivery-log.ts';
export {
  type DeviceFaultInput,
  deviceFaultInput,
  type RaisedFault,
  type Recovery,
  type RecoveryInput,
  recoveryInput,
} from './device-faults.ts';
export {
  type DutyPick,
  type Shift,
  type ShiftInput,
  type Staff,
  type StaffInput,
  shiftInput,
  staffInput,
} from './dispatch.ts';
export { type ShiftFilter, type StaffPatch, shiftFilter, staffPatch } from './duty-table.ts';
export type { DeskEvent, DeskListener } from './events.ts';
export { type Lang, label, STATE_LABELS } from './i18n.ts';
export { ACTIONS, type Action, decide, TRANSITIONS } from './lifecycle.ts';
export type { MergeCandidate, MergeQuery, MergeReason } from './merge.ts';
export { NOTICE_EVENTS, type Notice, type NoticeEvent, type OutboxHook } from './notices.ts';
export {
  ALERT_TRANSITIONS,
  listAlertsFilter,
  type PatrolAlertInput,
  patrolAlertInput,
} from './patrol.ts';
export { ACTION_PAYLOADS } from './payloads.ts';
export type { Created } from './records.ts';
export type { IncidentSpan, SiteIncident, SiteIncidentInput } from './site-incidents.ts';
export {
  type SiteLimitOverride,
  type SiteLimits,
  siteLimitOverride,
  siteLimitsInput,
} from './site-limits.ts';
export type { Breach } from './sla.ts';
export {
  RATE_NAMES,
  type Rate,
  type RateName,
  type SiteStats,
  type StatsQuery,
  statsQuery,
} from './stats.ts';
export { statsCsv, statsJson } from './stats-output.ts';
export type { RecordPage } from './store.ts';
export * from './types.ts';

export interface ServiceDeskDeps {
  db: Db;
  log: Logger;
  /** The clock every deadline runs on; tests pass a fake one. */
  now?: () => Date;
  /** Language of generated text (FM_LANG). */
  lang?: Lang;
  /** Service-wide limits replacing the procedure's defaults; per site/type overrides still win. */
  deadlines?: Partial<Limits>;
  /** How often the breach watcher ticks once started (ms, default 1000). */
  watchIntervalMs?: number;
  /** Writes the notifications a change calls for in its transaction (src/notify); unset: none. */
  outbox?: OutboxHook;
}

export function openServiceDesk(deps: ServiceDeskDeps) {
  const events = createEmitter(deps.log);
  events.on((event) => logDeskEvent(deps.log, event));
  const ctx: DeskContext = {
    db: deps.db,
    log: deps.log,
    now: deps.now ?? (() => new Date()),
    lang: deps.lang ?? 'zh-CN',
    limits: deps.deadlines ?? {},
    events,
    outbox: deps.outbox,
  };
  const watcher = new BreachWatcher(ctx, { intervalMs: deps.watchIntervalMs });
  const lang = ctx.lang;
  return {
    /** Subscribes to record, alert and breach changes (the SSE stream); returns the unsubscribe. */
    onChange: (listener: DeskListener) => events.on(listener),

    createRecord: (input: CreateRecordInput, actor: Actor) => createRecord(ctx, input, actor),
    findMergeCandidates: (q: MergeQuery) => findMergeCandidates(ctx.db, q),
    getRecord: (id: number) => getRecordDetail(ctx.db, id),
    listRecords: (filter?: ListRecordsFilter) => listRecords(ctx.db, filter),
    transition: (id: number, action: string, actor: Actor, payload?: Record<string, unknown>) =>
      transition(ctx, id, action, actor, payload),

    raiseDeviceFault: (input: devices.DeviceFaultInput, actor?: Actor) =>
      devices.raiseDeviceFault(ctx, input, actor),
    noteRecovery: (input: devices.RecoveryInput, actor?: Actor) => devices.noteRecovery(ctx, input, actor),
    selfCloseRecovered: (id: number, note: string, actor?: Actor) =>
      devices.selfCloseRecovered(ctx, id, note, actor),

    /** Many devices of a site down together: one incident and one record, found again by its key. */
    openSiteIncident: (input: incidents.SiteIncidentInput, actor: Actor) =>
      incidents.openSiteIncident(ctx, input, actor),
    growSiteIncident: (key: string, g: Parameters<typeof incidents.growSiteIncident>[2], actor: Actor) =>
      incidents.growSiteIncident(ctx, key, g, actor),
    endSiteIncident: (key: string, e: Parameters<typeof incidents.endSiteIncident>[2], actor: Actor) =>
      incidents.endSiteIncident(ctx, key, e, actor),

    raisePatrolAlert: (input: patrol.PatrolAlertInput, actor?: Actor) =>
      patrol.raisePatrolAlert(ctx, input, actor),
    transitionAlert: async (id: number, action: string, actor: Actor, payload?: unknown) =>
      (await patrol.transitionAlert(ctx, id, action, actor, payload)).alert,
    getAlert: (id: number) => patrol.getAlert(ctx, id),
    listAlerts: (filter?: Parameters<typeof patrol.listAlerts>[1]) => patrol.listAlerts(ctx, filter),

    addStaff: (input: unknown) => dispatch.addStaff(ctx.db, input, ctx.now()),
    listStaff: (site?: string) => dispatch.listStaff(ctx.db, site),
    /** Changes name, phone, roles, trades, sites or active (false leaves the duty table); the id stays. */
    updateStaff: (id: string, patch: unknown) => dutyTable.updateStaff(ctx.db, id, patch),
    addShift: (input: unknown) => dispatch.addShift(ctx.db, input, ctx.now()),
    listShifts: (filter?: unknown) => dutyTable.listShifts(ctx.db, filter),
    /** Ends a shift at `until` (default now); it stays in the table. */
    endShift: (id: number, o: { until?: Date | undefined; by: string }) =>
      dutyTable.endShift(ctx.db, id, o, ctx.now()),
    /** Who would get a slip now (or at `at`): on duty, else the trade supervisor. */
    whoIsOnDuty: (q: { site: string; trade: string; area?: string | null; at?: Date }) =>
      dispatch.pickAssignee(ctx.db, { ...q, at: q.at ?? ctx.now() }),
    /** The same pick as dispatch's, saying whether a shift or the supervisor fallback made it, and who that is. */
    dutyNow: async (q: { site: string; trade: string; area?: string | null; at?: Date }) => {
      await requireSite(ctx.db, q.site);
      const at = q.at ?? ctx.now();
      const pick = await dispatch.pickDuty(ctx.db, { ...q, at });
      return { ...pick, at, staff: await dispatch.getStaff(ctx.db, pick.staffId) };
    },

    setDeadline: (o: { site?: string; type?: string; step: LimitName; limitMs: number }) =>
      setLimitOverride(ctx.db, o),
    /** A site's deadline overrides and the limits the clock applies there per record type. */
    siteLimits: (site: string) => siteLimits(ctx.db, site, ctx.limits),
    /** Replaces a site's overrides (all of them: a step left out falls back). */
    replaceSiteLimits: (site: string, input: unknown) => replaceSiteLimits(ctx.db, site, input, ctx.limits),

    /** The open records of these that `staffId` works now (assigned, or holding an alert on it). */
    workingOn: (staffId: string, recordIds: readonly number[]) =>
      contacts.workingOn(ctx.db, staffId, recordIds),
    /** Keeps in the audit trail that `actor` was shown these records' contacts in full. */
    noteContactReads: (actor: Actor, recordIds: readonly number[], via: contacts.ContactView) =>
      contacts.noteContactReads(ctx.db, actor, recordIds, via, ctx.now()),
    listContactReads: (filter: contacts.ContactReadsFilter = {}) => contacts.listContactReads(ctx.db, filter),

    /** The notifications written for a record, an alert or a person, with their delivery state. */
    deliveryLog: (filter: DeliveryLogFilter) => deliveryLog(ctx.db, filter),

    stats: (q: StatsQuery) => siteStats(ctx.db, q, ctx.now()),
    statsJson: async (q: StatsQuery) => statsJson(await siteStats(ctx.db, q, ctx.now()), lang),
    statsCsv: async (q: StatsQuery) => statsCsv(await siteStats(ctx.db, q, ctx.now()), lang),

    /** One watcher pass at the clock's current time (tests call it; start() calls it on a timer). */
    tick: () => watcher.tick(),
    start: async () => watcher.start(),
    stop: () => watcher.stop(),
  };
}

export type ServiceDesk = ReturnType<typeof openServiceDesk>;
