/**
 * A singleton job: work that must run in exactly one process across all replicas (the SLA clock and
 * breach watcher, a notification sender), failing over when that process dies. The job is started
 * in the process that holds the lease `job:<name>` (migration 074) and stopped the moment it is no
 * longer sure to hold it: when a renewal is refused, or when its own deadline passes with the
 * database silent (a partition), before the database's expiry lets another process take over.
 * docs/architecture.md ("Singleton jobs") shows how to run one.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../log.ts';
import type { Queryable } from './db.ts';
import { claimLeases, releaseLeases } from './leases.ts';

export interface SingletonJobOptions {
  db: Queryable;
  /** The job's name; its lease is `job:<name>`. */
  name: string;
  /** How long a holder keeps the job without renewing, ms: a dead holder's job restarts elsewhere within this (plus one renewal period). */
  ttlMs: number;
  log: Logger;
  /** Who this process is in the lease table (default: host, pid and a random suffix). */
  holder?: string;
  /** Called when this process takes the job. Should return quickly (start timers, not run them). */
  start(): void | Promise<void>;
  /** Called when this process gives the job up (lost lease or stop()); waits for work in flight. */
  stop(): Promise<void>;
}

export interface SingletonJob {
  /** This process runs the job now. */
  leading(): boolean;
  /** Stops the job if it runs here and releases the lease, so another process takes it at once. */
  stop(): Promise<void>;
}

/** The default holder name: unique per process, readable in the lease table. */
export function processHolder(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** Renew this many times per TTL: two renewals may fail before the lease lapses. */
const RENEWALS_PER_TTL = 3;

export async function runSingleton(o: SingletonJobOptions): Promise<SingletonJob> {
  const name = `job:${o.name}`;
  const holder = o.holder ?? processHolder();
  const log = o.log.child({ job: o.name });
  let leading = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;
  let change: Promise<void> = Promise.resolve();

  const give = (why: string) => {
    clearTimeout(watchdog);
    if (!leading) return change;
    leading = false;
    if (stopped) log.info('singleton job stopped here');
    else log.warn({ why }, 'singleton job lost its lease; stopped here');
    change = change.then(() => o.stop()).catch((err) => log.error({ err }, 'singleton job failed to stop'));
    return change;
  };

  async function claim(): Promise<void> {
    const asked = performance.now();
    try {
      const [grant] = await claimLeases(o.db, [name], holder, o.ttlMs);
      if (stopped) return;
      if (!grant) {
        await give('another process holds the lease');
        return;
      }
      // Our own deadline, on our own monotonic clock, from before the request (leases.ts says why).
      clearTimeout(watchdog);
      watchdog = setTimeout(
        () => void give('lease not renewed in time'),
        asked + o.ttlMs - performance.now(),
      );
      watchdog.unref();
      if (!leading) {
        leading = true;
        log.info({ holder, epoch: grant.epoch }, 'singleton job runs here');
        change = change
          .then(() => o.start())
          .catch((err) => log.error({ err }, 'singleton job failed to start'));
        await change;
      }
    } catch (err) {
      // The watchdog decides when silence means the lease is lost.
      log.warn({ err: (err as Error).message }, 'could not renew the singleton lease');
    }
  }

  const loop = () => {
    if (stopped) return;
    round = claim().finally(() => {
      round = undefined;
      if (stopped) return;
      timer = setTimeout(loop, o.ttlMs / RENEWALS_PER_TTL);
      timer.unref();
    });
  };
  loop();
  await round;

  return {
    leading: () => leading,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await round;
      const was = leading;
      await give('stopping');
      if (was) await releaseLeases(o.db, [name], holder).catch(() => {});
    },
  };
}
