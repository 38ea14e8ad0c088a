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
import { Histogram, type MetricFamily } from '../metrics.ts';
import { SessionHealth } from '../mqtt-session.ts';
import { type DecodedMessage, decode } from '../protocol/index.ts';
import { processHolder, type Records } from '../records/index.ts';
import type { ServiceDesk } from '../records/service/index.ts';
import { isPermanent, perform } from './actions.ts';
import { subscribeRulesBus } from './bus-source.ts';
import { type Action, Engine } from './engine.ts';
import { MaintenanceCalendar } from './maintenance.ts';
import { watchMaintenance } from './maintenance-feed.ts';
import { MeterSampler } from './meters.ts';
import { rulesMetrics } from './metrics.ts';
import { connectRules, type Delivery, type RulesMqtt, rulesFilters } from './mqtt.ts';
import type { RulesOptions } from './options.ts';
import { loadRuleFiles } from './rule-file.ts';
import { createSharing } from './sharing.ts';
import { loadDevices, loadStates, saveStates } from './store.ts';

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

class Stopped extends Error {}

/** Faults held back this long because the records database refuses them: fault detection is down. */
const STUCK_MS = 30_000;

/** Shortest time between registry reloads caused by messages from unknown devices. */
const UNKNOWN_RELOAD_MS = 5000;

export async function startRules(deps: RulesDeps): Promise<Rules> {
  const { options: o, log, records, desk } = deps;
  const file = loadRuleFiles(o.ruleFiles); // a bad file refuses the start, with line and reason
  const db = records.db;
  const now = deps.now;
  const counters: Record<string, number> = { messages: 0, rejected: 0 };
  const count = (name: string, n = 1) => {
    counters[name] = (counters[name] ?? 0) + n;
  };
  /** Actions in order, with when (monotonic ms) the engine decided them. */
  const outbox: { action: Action; at: number }[] = [];
  const recordLatency = new Histogram([0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
  const acks: (() => void)[] = [];
  const calendar = new MaintenanceCalendar();
  const session = new SessionHealth();
  /** Since when (monotonic ms) the head of the outbox has failed to be performed. */
  let stuckSince: number | undefined;
  let stopping = false;
  const engine = new Engine({
    file,
    lang: o.lang,
    grafanaUrl: o.grafanaUrl,
    selfCloseLow: o.selfCloseLow,
    log,
    inMaintenance: (d, at) => calendar.covers(d, at),
    emit: (a) => {
      outbox.push({ action: a, at: performance.now() });
      schedule();
    },
    count,
  });
  const actionDeps = { desk, lang: o.lang, log, count };

  async function retrying(what: string, fn: () => Promise<void>): Promise<void> {
    let delay = o.retryMinMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await fn();
        stuckSince = undefined;
        if (attempt > 0) log.info({ what, attempts: attempt + 1 }, 'records database answers again');
        return;
      } catch (err) {
        if (isPermanent(err)) {
          count('dropped');
          log.error({ err, what }, 'refused by the service desk; dropped');
          return;
        }
        if (stopping) throw new Stopped();
        stuckSince ??= performance.now();
        count('retries');
        if (attempt === 0)
          log.warn(
            { err: (err as Error).message, what },
            'records database unavailable; holding faults in order and retrying',
          );
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(o.retryMaxMs, delay * 2);
      }
    }
  }

  let flushing: Promise<void> | undefined;
  let scheduled = false;
  function schedule(): void {
    if (scheduled || flushing) {
      scheduled = true;
      return;
    }
    scheduled = true;
    setImmediate(() => {
      flushing = flush().finally(() => {
        flushing = undefined;
        if (scheduled && !stopping) {
          scheduled = false;
          schedule();
        }
      });
    });
  }

  async function flush(): Promise<void> {
    try {
      do {
        scheduled = false;
        const batch = acks.splice(0);
        while (outbox.length > 0) {
          const { action, at } = outbox[0]!;
          await retrying(action.type, () => performUnlessHeld(action));
          outbox.shift();
          if (action.type === 'raise') recordLatency.observe((performance.now() - at) / 1000);
        }
        const dirty = engine.takeDirty().map((r) => ({ ...r, site: siteOf(r.id) }));
        if (dirty.length > 0)
          await retrying('save state', () =>
            saveStates(db, dirty, dateOf(now), sharing ? workerId : undefined),
          );
        for (const ack of batch) ack();
      } while (outbox.length > 0 || acks.length > 0);
    } catch (err) {
      if (!(err instanceof Stopped)) log.error({ err }, 'rules flush failed');
    }
  }

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

  async function idle(): Promise<void> {
    for (let i = 0; i < 10_000 && (flushing || scheduled || outbox.length > 0); i++) {
      if (flushing) await flushing;
      else await new Promise((r) => setImmediate(r));
    }
  }

  // Several workers on PostgreSQL share the sites by leases; PGlite has one process: it acts on all.
  const workerId = o.workerId ?? processHolder();
  const siteOf = (id: string) => (id.startsWith('site:') ? id.slice(5) : engine.devices.get(id)?.info.site);
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn);
    chain = next.catch(() => {});
    return next;
  };

  // With leases, sites registered since are taken first (outside `serial`: taking one runs in it).
  const refresh = async (): Promise<void> => {
    await sharing
      ?.rebalance()
      .catch((err: Error) => log.warn({ err: err.message }, 'site leases: round failed'));
    await serial(reload);
  };
  async function reload(): Promise<void> {
    try {
      const list = await loadDevices(db, sharing ? [...sharing.owned] : o.sites);
      engine.setDevices(list, now());
      await feed.reload();
    } catch (err) {
      log.warn(
        { err: (err as Error).message },
        'could not reload devices and maintenance windows; keeping the last',
      );
    }
  }

  const sharing =
    db.engine === 'postgres' && o.leaseTtlMs > 0
      ? createSharing({
          db,
          log,
          workerId,
          ttlMs: o.leaseTtlMs,
          sites: o.sites,
          engine,
          now,
          serial,
          idle,
          schedule,
          count,
        })
      : undefined;
  const feed = await watchMaintenance({ db, calendar, log, now: deps.now, changed: () => tick() });
  // With leases the first round takes this worker's sites with their devices and saved state.
  if (sharing) {
    await feed.reload();
    await sharing.start();
  } else {
    await refresh();
    for (const s of await loadStates(db)) engine.restore(s.id, s.state);
  }
  log.info({ devices: engine.devices.size, files: o.ruleFiles }, 'rules loaded');

  let waiting: [Delivery, DecodedMessage][] | undefined;
  let lastUnknownReload = Number.NEGATIVE_INFINITY;
  const meters = new MeterSampler(o.meterSampleMs);
  const handle = (d: Delivery, message: DecodedMessage) => {
    engine.handle(message, now());
    // Behind the message's own faults in the outbox, so it is performed (and retried) in order.
    const m = meters.sample(message, now());
    if (m) outbox.push({ action: m, at: performance.now() });
    acks.push(d.ack);
    schedule();
  };

  const onMessage = (d: Delivery) => {
    count('messages');
    const r = decode(d.topic, d.payload);
    if (!r.ok) {
      // Bad input is data: counted, acknowledged, never retried.
      count('rejected');
      log.debug({ topic: d.topic, reason: r.reason }, 'message refused by the contract');
      d.ack();
      return;
    }
    // Kept a while, whoever holds the site: should this worker take it (again), it replays what came
    // after the last saved state. Another worker's site's message is then only acknowledged.
    sharing?.keep(r.message);
    if (sharing && !sharing.owned.has(r.message.site)) {
      d.ack();
      return;
    }
    // A device registered since the last reload (API, CLI): reload now, holding later messages
    // back meanwhile so they are still handled in order. At most once per UNKNOWN_RELOAD_MS.
    if (
      waiting ||
      (!engine.devices.has(r.message.deviceId) && now() - lastUnknownReload > UNKNOWN_RELOAD_MS)
    ) {
      if (!waiting) {
        lastUnknownReload = now();
        waiting = [];
        void refresh().finally(() => {
          const held = waiting ?? [];
          waiting = undefined;
          for (const [delivery, message] of held) handle(delivery, message);
        });
      }
      waiting.push([d, r.message]);
      return;
    }
    handle(d, r.message);
  };
  const client = deps.bus
    ? await subscribeRulesBus(deps.bus, rulesFilters(o.sites), log, onMessage, session)
    : await connectRules(deps.mqtt, o, log, onMessage, session);

  function tick(): void {
    if (stopping) return;
    engine.tick(now());
    schedule();
  }
  const tickTimer = o.tickMs > 0 ? setInterval(tick, o.tickMs) : undefined;
  const refreshTimer = o.refreshMs > 0 ? setInterval(() => void refresh(), o.refreshMs) : undefined;

  return {
    counters: () => ({
      ...counters,
      devices: engine.devices.size,
      pending: outbox.length,
      unacked: acks.length,
    }),
    metrics: () =>
      rulesMetrics(counters, {
        devices: engine.devices.size,
        pending: outbox.length,
        unacked: acks.length,
        recordLatency: recordLatency.snapshot(),
      }),
    health: () => {
      if (stuckSince !== undefined && performance.now() - stuckSince > STUCK_MS)
        return {
          status: 'down',
          detail: `${outbox.length} faults waiting for the records database for ${Math.round((performance.now() - stuckSince) / 1000)} s`,
        };
      return session.health();
    },
    tick: async () => {
      tick();
      await idle();
    },
    refresh,
    idle,
    async stop() {
      clearInterval(tickTimer);
      clearInterval(refreshTimer);
      // Finish what can be finished quickly; what cannot stays unacknowledged for the next start.
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([
        idle().then(() => false),
        new Promise((r) => {
          timer = setTimeout(r, 5000, true);
        }),
      ]);
      clearTimeout(timer);
      // Hands the sites over (performed and saved) and leaves, so the others take them at once.
      await (late ? sharing?.abandon() : sharing?.stop());
      stopping = true;
      await feed.stop();
      if (late)
        log.warn(
          { pending: outbox.length },
          'stopping with faults not yet delivered; the broker keeps their messages',
        );
      await flushing?.catch(() => {});
      await client.stop();
    },
  };
}
