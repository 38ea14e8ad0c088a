/**
 * The breach watcher: every tick, each deadline passed and not met is recorded once, the procedure's
 * people are told, and a passed escalation deadline escalates the record (step "in progress":
 * escalate within 5 min; not solved the same day, to the managers' meeting).
 */
import { ESCALATING_STEPS } from './clock.ts';
import type { DeskContext } from './context.ts';
import { notifyFor } from './dispatch.ts';
import { stepEscalations } from './escalation.ts';
import { stageBreaches } from './notices.ts';
import { announce, applyAction } from './procedure.ts';
import { type Breach, recordBreaches } from './sla.ts';
import { appendHistory } from './store.ts';
import type { Actor } from './types.ts';

/** The clock itself acts when a deadline passes. */
export const SLA_CLOCK: Actor = { id: 'sla-clock', role: 'service' };

export interface WatcherOptions {
  /** How often start() ticks; a breach is seen within this long. */
  intervalMs?: number;
}

export class BreachWatcher {
  readonly #ctx: DeskContext;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<Breach[]> | undefined;

  constructor(ctx: DeskContext, options: WatcherOptions = {}) {
    this.#ctx = ctx;
    this.#intervalMs = options.intervalMs ?? 1000;
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
    const at = ctx.now();
    const breaches = await ctx.db.transaction(async (tx) => {
      const found = await recordBreaches(tx, at);
      for (const b of found) {
        const table = b.subject === 'record' ? 'service_records' : 'patrol_alerts';
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
    await stepEscalations(ctx);
    return breaches;
  }

  async #escalate(b: Breach): Promise<void> {
    const ctx = this.#ctx;
    try {
      const at = ctx.now();
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
