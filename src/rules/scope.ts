/**
 * The sites this rules process acts on, and their devices (docs/rules.md "Several workers"): every
 * site it may watch when it works alone (PGlite has one process; no lease TTL), or its share by
 * leases when several workers share one PostgreSQL (sharing.ts), handed over when one leaves or dies.
 * Registry reloads and site changes run one at a time, so a reload cannot drop a site just taken.
 */
import type { Logger } from '../log.ts';
import type { DecodedMessage } from '../protocol/index.ts';
import type { Db } from '../records/index.ts';
import type { Engine } from './engine.ts';
import { createSharing, type SharingEngine } from './sharing.ts';
import { loadDevices, loadStates } from './store.ts';

export interface ScopeDeps {
  db: Db;
  log: Logger;
  engine: SharingEngine & Pick<Engine, 'setDevices'>;
  /** Share the sites by leases with other workers (PostgreSQL only); otherwise act on all. */
  shared: boolean;
  workerId: string;
  ttlMs: number;
  /** Sites this worker may watch (FM_RULES_SITES); undefined: every registered site. */
  sites?: readonly string[] | undefined;
  now: () => number;
  /** Reads the maintenance windows again (each registry reload does). */
  reloadWindows(): Promise<void>;
  /** Resolves once every action so far is performed and the state saved. */
  idle(): Promise<void>;
  /** Something to perform or save: flush soon. */
  schedule(): void;
  count(name: string, n?: number): void;
}

export interface SiteScope {
  /** The lease holder states are saved as (only while it holds their site), when sites are shared. */
  readonly holder: string | undefined;
  /** Loads the devices and saved states to start with (shared: joins and takes this worker's share). */
  start(): Promise<void>;
  /** Reloads the devices and maintenance windows (shared: takes sites registered since, first). */
  refresh(): Promise<void>;
  /** Whether this worker acts on the message's site; a shared worker keeps every message a while. */
  admit(message: DecodedMessage): boolean;
  /** Leaves: hands the sites over, or (`abandon`, the database is away) lets their leases lapse. */
  leave(abandon: boolean): Promise<void>;
}

export function createScope(deps: ScopeDeps): SiteScope {
  const { db, log, engine } = deps;
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn);
    chain = next.catch(() => {});
    return next;
  };
  const sharing = deps.shared
    ? createSharing({
        db,
        log,
        workerId: deps.workerId,
        ttlMs: deps.ttlMs,
        sites: deps.sites,
        engine,
        now: deps.now,
        serial,
        idle: deps.idle,
        schedule: deps.schedule,
        count: deps.count,
      })
    : undefined;

  async function reload(): Promise<void> {
    try {
      const list = await loadDevices(db, sharing ? [...sharing.owned] : deps.sites);
      engine.setDevices(list, deps.now());
      await deps.reloadWindows();
    } catch (err) {
      log.warn(
        { err: (err as Error).message },
        'could not reload devices and maintenance windows; keeping the last',
      );
    }
  }

  // With leases, sites registered since are taken first (outside `serial`: taking one runs in it).
  const refresh = async (): Promise<void> => {
    await sharing
      ?.rebalance()
      .catch((err: Error) => log.warn({ err: err.message }, 'site leases: round failed'));
    await serial(reload);
  };

  return {
    holder: sharing ? deps.workerId : undefined,
    refresh,
    async start() {
      // With leases the first round takes this worker's sites with their devices and saved state.
      if (sharing) {
        await deps.reloadWindows();
        await sharing.start();
      } else {
        await refresh();
        for (const s of await loadStates(db)) engine.restore(s.id, s.state);
      }
    },
    admit(message) {
      // Kept a while, whoever holds the site: should this worker take it (again), it replays what
      // came after the last saved state. Another worker's site's message is then only acknowledged.
      sharing?.keep(message);
      return !sharing || sharing.owned.has(message.site);
    },
    leave: async (abandon) => {
      await (abandon ? sharing?.abandon() : sharing?.stop());
    },
  };
}
