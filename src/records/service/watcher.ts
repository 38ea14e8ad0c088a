/**
 * The breach watcher: every tick, each deadline passed and not met is recorded once, the procedure's
 * people are told, and a passed escalation deadline escalates the record (step "in progress":
 * escalate within 5 min; not solved the same day, to the managers' meeting).
 */
import { dateOf } from '../../clock.ts';
import { ESCALATING_STEPS } from './clock.ts';
import type { DeskContext } from './context.ts';
import { notifyFor } from './dispatch.ts';
import { stepEscalations } from './escalation.ts';
import { stageBreaches } from './notices.ts';
import { generateDue } from './plan-jobs.ts';
import { announce, applyAction } from './procedure.ts';
import { type Breach, recordBreaches } from './sla.ts';
import { appendHistory } from './store.ts';
import type { Actor } from './types.ts';

/** The clock itself acts when a deadline passes. */
export const SLA_CLOCK: Actor = { id: 'sla-clock', role: 'service' };

export interface WatcherOptions {
  /** How often start() ticks; a breach is seen within this long. */
  intervalMs?: number;
  /**
   * Work due on the same clock after each pass (scheduled rounds opening, the ones never started
   * missed): after, so a deadline that passed meanwhile is breached before its subject moves on.
   * A failure is logged; the breaches stand.
   */
  afterPass?: (at: Date) => Promise<void>;
  /** Shortest time between two passes over the maintenance plans, on the desk's clock (ms). */
  planEveryMs?: number;
}

const TABLES = { record: 'service_records', alert: 'patrol_alerts', round: 'rounds' } as const;

export class BreachWatcher {
  readonly #ctx: DeskContext;
  readonly #intervalMs: number;
  readonly #afterPass: WatcherOptions['afterPass'];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<Breach[]> | undefined;
  readonly #planEveryMs: number;
  #plannedAt = Number.NEGATIVE_INFINITY;

  constructor(ctx: DeskContext, options: WatcherOptions = {}) {
    this.#ctx = ctx;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#afterPass = options.afterPass;
    this.#planEveryMs = options.planEveryMs ?? 60_000;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.tick().catch((err) => this.#ctx.log.error({ err }, 'breach watcher tick failed'));
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a tick in flight. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  /** One pass at the injected clock's time; overlapping calls share the pass in flight. */
  tick(): Promise<Breach[]> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #pass(): Promise<Breach[]> {
    const ctx = this.#ctx;
    const at = dateOf(ctx.now);
    // Jobs come due on the same clock as deadlines: generated before the overdue ones are judged.
    const since = at.getTime() - this.#plannedAt;
    if (since >= this.#planEveryMs || since < 0) {
      this.#plannedAt = at.getTime();
      await generateDue(ctx).catch((err) => ctx.log.error({ err }, 'maintenance plans pass failed'));
    }
    const breaches = await ctx.db.transaction(async (tx) => {
      const found = await recordBreaches(tx, at);
      for (const b of found) {
        const table = TABLES[b.subject];
        const [row] = await tx.query<{ state: string }>(`SELECT state FROM ${table} WHERE id = $1`, [
          b.subjectId,
        ]);
        const state = row?.state ?? 'unknown';
        await appendHistory(tx, b.subject, b.subjectId, {
          at,
          actor: SLA_CLOCK,
          action: 'breach',
          from: state,
          to: state,
          note: `${b.step} due ${b.dueAt.toISOString()}`,
        });
      }
      await stageBreaches(ctx, tx, found, at);
      return found;
    });
    for (const breach of breaches) {
      ctx.events.emit({ type: 'breach', breach, notify: await notifyFor(ctx.db, breach) });
      if (breach.subject === 'record' && ESCALATING_STEPS.includes(breach.step)) await this.#escalate(breach);
    }
    await this.#afterPass?.(at).catch((err) =>
      ctx.log.error({ err }, 'scheduled work after the watcher failed'),
    );
    await stepEscalations(ctx);
    return breaches;
  }

  async #escalate(b: Breach): Promise<void> {
    const ctx = this.#ctx;
    try {
      const at = dateOf(ctx.now);
      const note =
        b.step === 'same_day'
          ? 'not solved the same day: to the managers\u2019 meeting'
          : 'not escalated within the limit';
      const done = await ctx.db.transaction((tx) =>
        applyAction(ctx, tx, b.subjectId, 'escalate', SLA_CLOCK, { note }, at),
      );
      await announce(ctx, 'escalate', SLA_CLOCK, done.record, done.breaches);
    } catch (err) {
      // Already at the managers' meeting, or moved on since: the breach stays recorded.
      ctx.log.info({ err, record: b.subjectId }, 'automatic escalation not applied');
    }
  }
}
