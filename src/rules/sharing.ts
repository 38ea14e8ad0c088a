/**
 * Rules workers sharing the sites on one PostgreSQL (issue 17, docs/rules.md "Several workers").
 * Every worker receives every site's messages (its own MQTT session, or the broker's bus) and acts
 * only on the sites it holds (ownership.ts); a device's state lives in that one worker. Every
 * message is also kept here for a while (a site held elsewhere: acknowledged and kept): should this
 * worker take the site (its owner died or left, or this worker lost it while the database was away),
 * it restores the saved state and replays what arrived after that save, so nothing sent during a
 * handover is lost. Replaying a message the owner had already
 * handled is harmless: its raise carries the episode's idempotency key, which the desk turns into
 * nothing (device_fault_occurrences), and the open-fault index allows one open record per fault.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { DecodedMessage } from '../protocol/index.ts';
import type { Db } from '../records/index.ts';
import { showsAlive } from './device.ts';
import type { Engine } from './engine.ts';
import { SiteOwnership } from './ownership.ts';
import { loadDevices, loadStates } from './store.ts';

/**
 * Replayed even if received up to this long before the owner's last save: the save's time is the
 * owner's clock, the receipt this worker's, and a replay too many is harmless where one too few is not.
 */
const REPLAY_MARGIN_MS = 2000;
/** At most this many messages kept per site not held (a bound on memory, not a goal). */
const MAX_KEPT_PER_SITE = 20_000;

/** A message and when this worker received it (its clock, the one its saved states are stamped with). */
type Kept = { message: DecodedMessage; at: number };

/** What sharing asks of the engine: take a site's devices and saved state, replay, drop a site. */
export type SharingEngine = Pick<Engine, 'addDevices' | 'restore' | 'handle' | 'dropSites'>;

export interface SharingDeps {
  db: Db;
  log: Logger;
  workerId: string;
  ttlMs: number;
  sites?: readonly string[] | undefined;
  engine: SharingEngine;
  now: Clock;
  /** Runs `fn` alone among registry reloads and site changes (a reload must not drop a site just taken). */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  /** Resolves once every action so far is performed and the state saved. */
  idle(): Promise<void>;
  /** Something to perform or save: flush soon. */
  schedule(): void;
  count(name: string, n?: number): void;
}

export interface SiteSharing {
  /** Sites this worker acts on now. */
  readonly owned: ReadonlySet<string>;
  /** Every message, kept for a while: replayed after the saved state should this worker take its site. */
  keep(message: DecodedMessage): void;
  /** Takes this worker's share of sites registered since the last round, now. */
  rebalance(): Promise<void>;
  /** Hands every site over and leaves. */
  stop(): Promise<void>;
  /** Leaves without handing over (the database is away): the others take the sites when the leases lapse. */
  abandon(): Promise<void>;
}

/** Built before the first message can arrive; `start()` joins and takes this worker's share. */
export function createSharing(deps: SharingDeps): SiteSharing & { start(): Promise<void> } {
  const { db, engine } = deps;
  const owned = new Set<string>();
  const kept = new Map<string, Kept[]>();
  /** When this worker last heard each device alive, whoever held its site: its clock, should it take the site. */
  const heard = new Map<string, number>();
  const keepMs = 3 * deps.ttlMs;

  const prune = (list: Kept[], at: number) => {
    let drop = 0;
    while (drop < list.length && (at - list[drop]!.at > keepMs || list.length - drop > MAX_KEPT_PER_SITE))
      drop++;
    if (drop > 0) list.splice(0, drop);
  };

  const ownership = new SiteOwnership({
    db,
    workerId: deps.workerId,
    ttlMs: deps.ttlMs,
    log: deps.log,
    sites: deps.sites,
    claimed: (sites) =>
      deps.serial(async () => {
        const list = await loadDevices(db, sites);
        const states = await loadStates(db, [...list.map((d) => d.id), ...sites.map((s) => `site:${s}`)]);
        // From here on synchronous: no message can come between the restore, the replay and owning.
        engine.addDevices(list, deps.now(), (id) => heard.get(id));
        const saved = new Map<string, number>();
        for (const s of states) {
          engine.restore(s.id, s.state);
          saved.set(s.id, new Date(s.updatedAt).getTime());
        }
        let replayed = 0;
        for (const site of sites) {
          owned.add(site);
          for (const k of kept.get(site) ?? []) {
            const savedAt = saved.get(k.message.deviceId);
            if (savedAt !== undefined && k.at < savedAt - REPLAY_MARGIN_MS) continue;
            engine.handle(k.message, k.at);
            replayed++;
          }
          kept.delete(site);
        }
        deps.count('replayed', replayed);
        deps.count('sitesTaken', sites.length);
        deps.log.info({ sites, devices: list.length, replayed }, 'restored the sites taken');
        deps.schedule();
      }),
    handOver: (sites) =>
      deps.serial(async () => {
        for (const s of sites) owned.delete(s);
        await deps.idle(); // performed and saved while the leases are still ours
        engine.dropSites(sites);
      }),
    lost: (sites) => {
      for (const s of sites) owned.delete(s);
      engine.dropSites(sites);
      deps.count('sitesLost', sites.length);
    },
  });
  return {
    start: () => ownership.start(),
    owned,
    keep: (message) => {
      const at = deps.now();
      if (showsAlive(message)) heard.set(message.deviceId, at);
      let list = kept.get(message.site);
      if (!list) {
        list = [];
        kept.set(message.site, list);
      }
      list.push({ message, at });
      prune(list, at);
    },
    rebalance: () => ownership.rebalance(),
    stop: () => ownership.stop(),
    abandon: () => ownership.abandon(),
  };
}
