/**
 * rules/: device faults become repair records and patrol alerts, once, on time, with their
 * evidence (issue 5, docs/rules.md). Messages are judged as they arrive; what they cause is
 * performed in order, the rule state saved, and only then are they acknowledged, so a restart
 * neither duplicates nor loses and a records outage holds faults in order until it is back.
 */

import type { LocalBus } from '../broker/index.ts';
import { type Clock, dateOf } from '../clock.ts';
import type { ServiceHealth } from '../health.ts';
import type { Logger } from '../log.ts';
import type { MetricFamily } from '../metrics.ts';
import { SessionHealth } from '../mqtt-session.ts';
import { processHolder, type Records } from '../records/index.ts';
import type { ServiceDesk } from '../records/service/index.ts';
import { perform } from './actions.ts';
import { subscribeRulesBus } from './bus-source.ts';
import { type Action, Engine } from './engine.ts';
import { createIntake } from './intake.ts';
import { MaintenanceCalendar } from './maintenance.ts';
import { watchMaintenance } from './maintenance-feed.ts';
import { MeterSampler } from './meters.ts';
import { rulesMetrics } from './metrics.ts';
import { connectRules, type RulesMqtt, rulesFilters } from './mqtt.ts';
import type { RulesOptions } from './options.ts';
import { Outbox } from './outbox.ts';
import { loadRuleFiles } from './rule-file.ts';
import { createScope } from './scope.ts';
import { saveStates } from './store.ts';

export { type RulesConfig, rulesOptionsFromConfig } from './from-config.ts';
export { RULES_DEFAULTS, type RulesOptions, rulesOptions } from './options.ts';
export {
  DEFAULT_RULE_FILE,
  loadRuleFiles,
  parseRuleFile,
  type Rule,
  type RuleFile,
  RuleFileError,
} from './rule-file.ts';
export { savedStateOf } from './store.ts';

export type RulesDeps = {
  options: RulesOptions;
  log: Logger;
  /** The clock every duration, heartbeat and window runs on; tests pass a fake one. */
  now: Clock;
  records: Records;
  desk: ServiceDesk;
} & RulesSource;

/** Where rules gets its messages: an MQTT session with any broker, or the platform broker's bus in this process. */
export type RulesSource = { mqtt: RulesMqtt; bus?: undefined } | { bus: LocalBus; mqtt?: undefined };

export interface Rules {
  stop(): Promise<void>;
  counters(): Record<string, number>;
  /** The counters as Prometheus families, with the detection-to-record latency histogram. */
  metrics(): MetricFamily[];
  /** Subscribed and keeping up: `down` when faults are not being turned into records. */
  health(): ServiceHealth;
  /** Evaluates timers at the clock's now and waits until what they caused is done (tests drive time with it). */
  tick(): Promise<void>;
  /** Reloads the device registry and maintenance windows. */
  refresh(): Promise<void>;
  /** Resolves when every action so far is performed, the state saved and the messages acknowledged. */
  idle(): Promise<void>;
}

/** Faults held back this long because the records database refuses them: fault detection is down. */
const STUCK_MS = 30_000;

export async function startRules(deps: RulesDeps): Promise<Rules> {
  const { options: o, log, records, desk } = deps;
  const file = loadRuleFiles(o.ruleFiles); // a bad file refuses the start, with line and reason
  const db = records.db;
  const now = deps.now;
  const counters: Record<string, number> = { messages: 0, rejected: 0 };
  const count = (name: string, n = 1) => {
    counters[name] = (counters[name] ?? 0) + n;
  };
  const calendar = new MaintenanceCalendar();
  // The session's ups and downs also start and stop the heartbeat clocks (Engine.linkLost says why).
  const session = new (class extends SessionHealth {
    override up(): void {
      super.up();
      engine.linkRestored(now());
    }
    override lost(): void {
      super.lost();
      engine.linkLost();
    }
  })();
  const engine = new Engine({
    file,
    lang: o.lang,
    grafanaUrl: o.grafanaUrl,
    selfCloseLow: o.selfCloseLow,
    log,
    inMaintenance: (d, at) => calendar.covers(d, at),
    emit: (a) => outbox.push(a),
    count,
  });
  const actionDeps = { desk, lang: o.lang, log, count };
  const outbox = new Outbox({
    perform: performUnlessHeld,
    takeDirty: () => engine.takeDirty().map((r) => ({ ...r, site: siteOf(r.id) })),
    save: (rows) => saveStates(db, rows, dateOf(now), scope.holder),
    retryMinMs: o.retryMinMs,
    retryMaxMs: o.retryMaxMs,
    log,
    count,
  });
  const idle = () => outbox.idle();

  /**
   * A raise asks the database for the windows first: one committed a moment ago (the API answered
   * `active`; its announcement may still be on its way) holds the fault back, as if it had been known.
   */
  async function performUnlessHeld(a: Action): Promise<void> {
    if (a.type === 'raise') {
      await feed.reload();
      const d = engine.devices.get(a.deviceId);
      if (d && calendar.covers(d.info, now())) {
        engine.holdForMaintenance(a);
        return;
      }
    }
    await perform(a, actionDeps);
  }

  const siteOf = (id: string) => (id.startsWith('site:') ? id.slice(5) : engine.devices.get(id)?.info.site);
  // Several workers on PostgreSQL share the sites by leases; PGlite has one process: it acts on all.
  const scope = createScope({
    db,
    log,
    engine,
    shared: db.engine === 'postgres' && o.leaseTtlMs > 0,
    workerId: o.workerId ?? processHolder(),
    ttlMs: o.leaseTtlMs,
    sites: o.sites,
    now,
    reloadWindows: () => feed.reload(),
    idle,
    schedule: () => outbox.schedule(),
    count,
  });
  const feed = await watchMaintenance({ db, calendar, log, now: deps.now, changed: () => tick() });
  await scope.start();
  log.info({ devices: engine.devices.size, files: o.ruleFiles }, 'rules loaded');

  const meters = new MeterSampler(o.meterSampleMs);
  const onMessage = createIntake({
    log,
    count,
    now,
    admit: scope.admit,
    known: (id) => engine.devices.has(id),
    refresh: scope.refresh,
    handle: (d, message) => {
      engine.handle(message, now());
      // Behind the message's own faults in the outbox, so it is performed (and retried) in order.
      const m = meters.sample(message, now());
      if (m) outbox.push(m);
      outbox.ack(d.ack);
    },
  });
  const client = deps.bus
    ? await subscribeRulesBus(deps.bus, rulesFilters(o.sites), log, onMessage, session)
    : await connectRules(deps.mqtt, o, log, onMessage, session);

  function tick(): void {
    if (outbox.closed) return;
    engine.tick(now());
    outbox.schedule();
  }
  const tickTimer = o.tickMs > 0 ? setInterval(tick, o.tickMs) : undefined;
  const refreshTimer = o.refreshMs > 0 ? setInterval(() => void scope.refresh(), o.refreshMs) : undefined;
  const gauges = () => ({ devices: engine.devices.size, pending: outbox.pending, unacked: outbox.unacked });

  return {
    counters: () => ({ ...counters, ...gauges() }),
    metrics: () => rulesMetrics(counters, { ...gauges(), recordLatency: outbox.recordLatency.snapshot() }),
    health: () => outbox.stuck(STUCK_MS) ?? session.health(),
    tick: async () => {
      tick();
      await idle();
    },
    refresh: scope.refresh,
    idle,
    async stop() {
      clearInterval(tickTimer);
      clearInterval(refreshTimer);
      // Finish what can be finished quickly; what cannot stays unacknowledged for the next start.
      const late = await outbox.idleWithin(5000);
      // Hands the sites over (performed and saved) and leaves, so the others take them at once.
      await scope.leave(late);
      outbox.close();
      await feed.stop();
      if (late)
        log.warn(
          { pending: outbox.pending },
          'stopping with faults not yet delivered; the broker keeps their messages',
        );
      await outbox.settled();
      await client.stop();
    },
  };
}
