/**
 * The service desk: the front desk's procedure over the records store. openServiceDesk binds the
 * domain functions to a database, a clock and a language; start()/stop() run the breach watcher.
 */
import { type Clock, dateOf, systemClock } from '../../clock.ts';
import type { Logger } from '../../log.ts';
import type { Db } from '../db.ts';
import { runSingleton, type SingletonJob } from '../singleton.ts';
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
import * as jobs from './job-work.ts';
import { findMergeCandidates, type MergeQuery } from './merge.ts';
import type { OutboxHook } from './notices.ts';
import * as patrol from './patrol.ts';
import { planCalendar } from './plan-calendar.ts';
import * as planJobs from './plan-jobs.ts';
import { PLAN_DEFAULTS, type PlanSettings } from './plan-templates.ts';
import * as plans from './plans.ts';
import { createRecord, transition } from './records.ts';
import { reportFinding } from './round-findings.ts';
import * as roundReads from './round-reads.ts';
import * as routes from './round-routes.ts';
import { openDueRounds } from './round-schedule.ts';
import * as rounds from './rounds.ts';
import { shareChanges } from './shared-changes.ts';
import * as incidents from './site-incidents.ts';
import { replaceSiteLimits, siteLimits } from './site-limits.ts';
import { type StatsQuery, siteStats } from './stats.ts';
import { statsCsv, statsJson } from './stats-output.ts';
import { getRecordDetail, listRecords } from './store.ts';
import type { Actor, CreateRecordInput, ListRecordsFilter } from './types.ts';
import { BreachWatcher } from './watcher.ts';
import * as zones from './zones.ts';

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
  NOTIFY_VIA,
  type Shift,
  type ShiftInput,
  type Staff,
  type StaffInput,
  shiftInput,
  staffInput,
} from './dispatch.ts';
export {
  type ShiftFilter,
  type StaffPatch,
  shiftFilter,
  shiftNotFound,
  staffNotFound,
  staffPatch,
} from './duty-table.ts';
export type { DeskEvent, DeskListener } from './events.ts';
export { type Lang, label, STATE_LABELS } from './i18n.ts';
export {
  type CheckInput,
  type ChecklistItem,
  checkInput,
  jobFaultInput,
} from './job-work.ts';
export { ACTIONS, type Action, decide, TRANSITIONS } from './lifecycle.ts';
export type { MergeCandidate, MergeQuery, MergeReason } from './merge.ts';
export { NOTICE_EVENTS, type Notice, type NoticeEvent, type OutboxHook } from './notices.ts';
export {
  ALERT_TRANSITIONS,
  alertNotFound,
  listAlertsFilter,
  type PatrolAlertInput,
  patrolAlertInput,
} from './patrol.ts';
export { ACTION_PAYLOADS } from './payloads.ts';
export { type CalendarEntry, calendarQuery } from './plan-calendar.ts';
export { type MeterReading, PLANNER } from './plan-jobs.ts';
export { PLAN_DEFAULTS, type PlanSettings, TEMPLATES, type Template } from './plan-templates.ts';
export { type Plan, type PlanFilter, type PlanInput, planFields, planFilter, planInput } from './plans.ts';
export type { Created } from './records.ts';
export { findingInput } from './round-findings.ts';
export {
  type FaultyDevice,
  type ListRoundsFilter,
  listRoundsFilter,
  POINT_STATES,
  ROUND_STATES,
  type Round,
  type RoundDetail,
  type RoundPoint,
  type RoundState,
} from './round-reads.ts';
export {
  type Checkpoint,
  checkpointInput,
  type Route,
  type RouteInput,
  routeInput,
  type Schedule,
  type ScheduleInput,
  scheduleInput,
} from './round-routes.ts';
export { confirmInput, startRoundInput } from './rounds.ts';
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
export { type RecordPage, recordNotFound } from './store.ts';
export * from './types.ts';
export { type Zone, type ZoneInput, zoneInput } from './zones.ts';

export interface ServiceDeskDeps {
  db: Db;
  log: Logger;
  /** The clock every deadline runs on; tests pass a fake one. */
  now?: Clock;
  /** Language of generated text (FM_LANG). */
  lang?: Lang;
  /** Service-wide limits replacing the procedure's defaults; per site/type overrides still win. */
  deadlines?: Partial<Limits>;
  /** How often the breach watcher ticks once started (ms, default 1000). */
  watchIntervalMs?: number;
  /**
   * PostgreSQL: the SLA clock runs in one process of all that share the database, under the lease
   * `job:sla-clock`; a dead holder's clock restarts elsewhere within this (ms, default 10000).
   */
  clockLeaseTtlMs?: number;
  /** Maintenance plans' intervals and lead times replacing PLAN_DEFAULTS (FM_PLAN_*). */
  plans?: Partial<PlanSettings>;
  /** Writes the notifications a change calls for in its transaction (src/notify); unset: none. */
  outbox?: OutboxHook;
}

export function openServiceDesk(deps: ServiceDeskDeps) {
  const events = createEmitter(deps.log);
  events.on((event) => logDeskEvent(deps.log, event));
  const ctx: DeskContext = {
    db: deps.db,
    log: deps.log,
    now: deps.now ?? systemClock,
    lang: deps.lang ?? 'zh-CN',
    limits: deps.deadlines ?? {},
    events,
    plans: { ...PLAN_DEFAULTS, ...deps.plans },
    outbox: deps.outbox,
  };
  const watcher = new BreachWatcher(ctx, {
    intervalMs: deps.watchIntervalMs,
    afterPass: async (at) => void (await openDueRounds(ctx, at)),
  });
  const lang = ctx.lang;
  // What onChange listeners hear: this process's changes and, on PostgreSQL, every other process's.
  const changes = createEmitter(deps.log);
  events.on((event) => changes.emit(event));
  const shared = deps.db.engine === 'postgres' ? shareChanges(deps.db, events, changes, deps.log) : undefined;
  let clock: Promise<SingletonJob> | undefined;
  let clockJob: SingletonJob | undefined;
  return {
    /**
     * Subscribes to record, alert and breach changes (the SSE stream): this process's and, on
     * PostgreSQL, those of every process sharing the database. Returns the unsubscribe.
     */
    onChange: (listener: DeskListener) => {
      shared
        ?.listen()
        .catch((err: Error) =>
          deps.log.warn({ err: err.message }, 'cannot hear changes made by other processes'),
        );
      return changes.on(listener);
    },
    /**
     * Resolves once this process hears the changes other processes make as well (at once when there
     * are none to hear), so a stream opened after it misses none of them. A LISTEN that failed
     * resolves it too: onChange has logged why.
     */
    hearingOthers: async (): Promise<void> => {
      await shared?.listen().catch(() => {});
    },

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

    addStaff: (input: unknown) => dispatch.addStaff(ctx.db, input, dateOf(ctx.now)),
    listStaff: (site?: string, sites?: readonly string[]) => dispatch.listStaff(ctx.db, site, sites),
    getStaff: (id: string) => dispatch.getStaff(ctx.db, id),
    /** Changes name, phone, roles, trades, sites or active (false leaves the duty table); the id stays. */
    updateStaff: (id: string, patch: unknown) => dutyTable.updateStaff(ctx.db, id, patch),
    addShift: (input: unknown) => dispatch.addShift(ctx.db, input, dateOf(ctx.now)),
    listShifts: (filter?: unknown) => dutyTable.listShifts(ctx.db, filter),
    /** Ends a shift at `until` (default now); it stays in the table. */
    endShift: (id: number, o: { until?: Date | undefined; by: string }) =>
      dutyTable.endShift(ctx.db, id, o, dateOf(ctx.now)),
    /** Who would get a slip now (or at `at`): on duty, else the trade supervisor. */
    whoIsOnDuty: (q: Omit<dispatch.DutyQuery, 'at'> & { at?: Date }) =>
      dispatch.pickAssignee(ctx.db, { ...q, at: q.at ?? dateOf(ctx.now) }),
    /** The same pick as dispatch's, saying whether a shift or the supervisor fallback made it, and who that is. */
    dutyNow: async (q: Omit<dispatch.DutyQuery, 'at'> & { at?: Date }) => {
      await requireSite(ctx.db, q.site);
      const at = q.at ?? dateOf(ctx.now);
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
      contacts.noteContactReads(ctx.db, actor, recordIds, via, dateOf(ctx.now)),
    listContactReads: (filter: contacts.ContactReadsFilter = {}) => contacts.listContactReads(ctx.db, filter),

    addZone: (input: unknown) => zones.addZone(ctx.db, input, dateOf(ctx.now)),
    /** Replaces a zone's name, buildings, areas and people. */
    replaceZone: (input: unknown) => zones.replaceZone(ctx.db, input),
    listZones: (site: string) => zones.listZones(ctx.db, site),
    getZone: (site: string, id: string) => zones.getZone(ctx.db, site, id),
    /** The zone a building or area is in, if any. */
    zoneOf: (site: string, place: { building?: string | null; area?: string | null }) =>
      zones.zoneOf(ctx.db, site, place),

    addRoute: (input: unknown) => routes.addRoute(ctx.db, input, dateOf(ctx.now)),
    getRoute: (site: string, id: string) => routes.getRoute(ctx.db, site, id),
    listRoutes: (site: string) => routes.listRoutes(ctx.db, site),
    addRoundSchedule: (input: unknown) => routes.addSchedule(ctx.db, input, dateOf(ctx.now)),
    retireRoute: (site: string, id: string) => routes.retireRoute(ctx.db, site, id),
    retireCheckpoint: (site: string, route: string, id: number) =>
      routes.retireCheckpoint(ctx.db, site, route, id),
    retireRoundSchedule: (site: string, route: string, id: number) =>
      routes.retireSchedule(ctx.db, site, route, id),
    /** The checkpoint a printed QR code names (its site and route too); undefined for an unknown code. */
    checkpointByCode: (code: string) => routes.checkpointByCode(ctx.db, code),
    /** Opens the rounds whose schedule has come due (the watcher does it before each pass). */
    openDueRounds: () => openDueRounds(ctx, dateOf(ctx.now)),
    startRound: (input: unknown, actor: Actor) => rounds.startRound(ctx, input, actor),
    confirmPoint: (id: number, input: unknown, actor: Actor) => rounds.confirmPoint(ctx, id, input, actor),
    finishRound: (id: number, actor: Actor) => rounds.finishRound(ctx, id, actor),
    /** A finding at a confirmed point: a service record at the point (joining its device's open one). */
    reportFinding: (id: number, input: unknown, actor: Actor) => reportFinding(ctx, id, input, actor),
    getRound: (id: number) => roundReads.getRound(ctx.db, id, dateOf(ctx.now)),
    listRounds: (filter: unknown = {}) => roundReads.listRounds(ctx.db, filter, dateOf(ctx.now)),
    /** The notifications written for a record, an alert or a person, with their delivery state. */
    deliveryLog: (filter: DeliveryLogFilter) => deliveryLog(ctx.db, filter),

    stats: (q: StatsQuery) => siteStats(ctx.db, q, dateOf(ctx.now)),
    statsJson: async (q: StatsQuery) => statsJson(await siteStats(ctx.db, q, dateOf(ctx.now)), lang),
    statsCsv: async (q: StatsQuery) => statsCsv(await siteStats(ctx.db, q, dateOf(ctx.now)), lang),

    /** A maintenance plan (docs/service-records.md, "Maintenance plans"); intervals default to the settings. */
    addPlan: (input: unknown) => plans.addPlan(ctx.db, ctx.plans, input, dateOf(ctx.now)),
    listPlans: (filter?: plans.PlanFilter) => plans.listPlans(ctx.db, filter),
    getPlan: (id: number) => plans.getPlan(ctx.db, id),
    endPlan: (id: number, by: string) => plans.endPlan(ctx.db, id, dateOf(ctx.now), by),
    /** A site's jobs due in a local month (YYYY-MM): generated ones with their records, and the ones to come. */
    planCalendar: (site: string, month: string) => planCalendar(ctx.db, site, month, dateOf(ctx.now)),
    /** Generates the calendar jobs whose time has come (the watcher does it once a minute). */
    generateDueJobs: () => planJobs.generateDue(ctx),
    /** A device's counters from its telemetry (rules forwards them): meter plans may generate jobs. */
    noteMeters: (m: planJobs.MeterReading) => planJobs.noteMeters(ctx, m),
    getChecklist: (jobId: number) => jobs.getChecklist(ctx.db, jobId),
    /** Answers a checklist item on site; a fault opens a repair record linked to the job. */
    checkItem: (jobId: number, position: number, input: unknown, actor: Actor) =>
      jobs.checkItem(ctx, jobId, position, input, actor),
    /** A fault found during the job: its own repair record, linked to the job. */
    reportJobFault: (jobId: number, input: unknown, actor: Actor) =>
      jobs.reportJobFault(ctx, jobId, input, actor),

    /** One watcher pass at the clock's current time (tests call it; start() calls it on a timer). */
    tick: () => watcher.tick(),
    /** Starts the SLA clock: here at once on PGlite; on PostgreSQL in whichever process holds its lease. */
    start: async () => {
      if (deps.db.engine !== 'postgres') return watcher.start();
      clock ??= runSingleton({
        db: deps.db,
        name: 'sla-clock',
        ttlMs: deps.clockLeaseTtlMs ?? 10_000,
        log: deps.log,
        start: () => watcher.start(),
        stop: () => watcher.stop(),
      });
      clockJob = await clock;
    },
    /** The SLA clock is running in this process (always, once started, on PGlite). */
    clockHere: () => clockJob?.leading() ?? deps.db.engine !== 'postgres',
    stop: async () => {
      // A start still joining (not awaited by its caller) is waited for, so nothing runs on after stop.
      const job = await clock?.catch(() => undefined);
      clock = undefined;
      clockJob = undefined;
      await job?.stop();
      await watcher.stop();
      await shared?.close();
    },
  };
}

export type ServiceDesk = ReturnType<typeof openServiceDesk>;
