/**
 * Rules' outbox (issue 5, docs/rules.md): what the engine decided is performed in the order it was
 * decided, retried with backoff while the records database is away (a refusal is dropped: retrying
 * cannot help), then the engine's changed state is saved, and only then are the messages that caused
 * it acknowledged. So a restart neither duplicates nor loses, and an outage holds faults in order.
 */
import type { ServiceHealth } from '../health.ts';
import type { Logger } from '../log.ts';
import { Histogram } from '../metrics.ts';
import type { Action } from './action.ts';
import { isPermanent } from './actions.ts';

/** A rule state to save, with the site it belongs to (so a worker saves only what it holds). */
export type StateRow = { id: string; state: unknown; site?: string | undefined };

export interface OutboxDeps {
  /** Performs one action through the desk; a throw is retried unless `isPermanent`. */
  perform(action: Action): Promise<void>;
  /** The states changed since the last call (taken once: a retried save writes the same rows). */
  takeDirty(): StateRow[];
  save(rows: StateRow[]): Promise<void>;
  retryMinMs: number;
  retryMaxMs: number;
  log: Logger;
  count(name: string, n?: number): void;
}

class Stopped extends Error {}

export class Outbox {
  /** Detection-to-record latency of raises, in seconds. */
  readonly recordLatency = new Histogram([0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
  /** Actions in order, with when (monotonic ms) the engine decided them. */
  readonly #actions: { action: Action; at: number }[] = [];
  readonly #acks: (() => void)[] = [];
  /** Since when (monotonic ms) the head of the outbox has failed to be performed. */
  #stuckSince: number | undefined;
  #stopping = false;
  #flushing: Promise<void> | undefined;
  #scheduled = false;

  constructor(private readonly o: OutboxDeps) {}

  /** Actions not yet performed. */
  get pending(): number {
    return this.#actions.length;
  }

  /** Messages handled but not yet acknowledged. */
  get unacked(): number {
    return this.#acks.length;
  }

  /** Set by `close()`: nothing more is retried. */
  get closed(): boolean {
    return this.#stopping;
  }

  /** `down` once the head action has been refused by the records database for longer than `afterMs`. */
  stuck(afterMs: number): ServiceHealth | undefined {
    if (this.#stuckSince === undefined || performance.now() - this.#stuckSince <= afterMs) return undefined;
    return {
      status: 'down',
      detail: `${this.#actions.length} faults waiting for the records database for ${Math.round((performance.now() - this.#stuckSince) / 1000)} s`,
    };
  }

  /** Queues an action behind those before it and flushes soon. */
  push(action: Action): void {
    this.#actions.push({ action, at: performance.now() });
    this.schedule();
  }

  /** Acknowledges a message once what it caused so far is performed and saved. */
  ack(fn: () => void): void {
    this.#acks.push(fn);
    this.schedule();
  }

  /** Something to perform or save: flush soon (once, however often asked meanwhile). */
  schedule(): void {
    if (this.#scheduled || this.#flushing) {
      this.#scheduled = true;
      return;
    }
    this.#scheduled = true;
    setImmediate(() => {
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = undefined;
        if (this.#scheduled && !this.#stopping) {
          this.#scheduled = false;
          this.schedule();
        }
      });
    });
  }

  /** Resolves when every action so far is performed, the state saved and the messages acknowledged. */
  async idle(): Promise<void> {
    for (let i = 0; i < 10_000 && (this.#flushing || this.#scheduled || this.#actions.length > 0); i++) {
      if (this.#flushing) await this.#flushing;
      else await new Promise((r) => setImmediate(r));
    }
  }

  /** Waits for `idle()` at most `ms`: true when it was not idle by then. */
  async idleWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      this.idle().then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(r, ms, true);
      }),
    ]);
    clearTimeout(timer);
    return late;
  }

  /** Stops retrying: a flush waiting for the database gives up, leaving its messages unacknowledged. */
  close(): void {
    this.#stopping = true;
  }

  /** Resolves when the flush under way (if any) has ended. */
  async settled(): Promise<void> {
    await this.#flushing?.catch(() => {});
  }

  async #flush(): Promise<void> {
    try {
      do {
        this.#scheduled = false;
        const batch = this.#acks.splice(0);
        while (this.#actions.length > 0) {
          const { action, at } = this.#actions[0]!;
          await this.#retrying(action.type, () => this.o.perform(action));
          this.#actions.shift();
          if (action.type === 'raise') this.recordLatency.observe((performance.now() - at) / 1000);
        }
        const dirty = this.o.takeDirty();
        if (dirty.length > 0) await this.#retrying('save state', () => this.o.save(dirty));
        for (const ack of batch) ack();
      } while (this.#actions.length > 0 || this.#acks.length > 0);
    } catch (err) {
      if (!(err instanceof Stopped)) this.o.log.error({ err }, 'rules flush failed');
    }
  }

  async #retrying(what: string, fn: () => Promise<void>): Promise<void> {
    const { log, count } = this.o;
    let delay = this.o.retryMinMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await fn();
        this.#stuckSince = undefined;
        if (attempt > 0) log.info({ what, attempts: attempt + 1 }, 'records database answers again');
        return;
      } catch (err) {
        if (isPermanent(err)) {
          count('dropped');
          log.error({ err, what }, 'refused by the service desk; dropped');
          return;
        }
        if (this.#stopping) throw new Stopped();
        this.#stuckSince ??= performance.now();
        count('retries');
        if (attempt === 0)
          log.warn(
            { err: (err as Error).message, what },
            'records database unavailable; holding faults in order and retrying',
          );
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(this.o.retryMaxMs, delay * 2);
      }
    }
  }
}
