/**
 * Whether each receiver answers. After `deadAfter` failures in a row it counts as down: one
 * operator warning, whatever number of messages then fail against it; one info line when it
 * answers again. Counted for Prometheus (fm_notify_receiver_down, fm_notify_receiver_warnings_total).
 */
import type { Logger } from '../log.ts';
import type { MetricFamily } from '../metrics.ts';
import type { Answer } from './channels/types.ts';

interface State {
  failures: number;
  down: boolean;
  since: Date | null;
}

export class ReceiverHealth {
  readonly #states = new Map<string, State>();
  #warnings = 0;

  constructor(
    private readonly log: Logger,
    private readonly deadAfter: number,
  ) {}

  report(receiver: string, a: Answer, at: Date): void {
    const s = this.#states.get(receiver) ?? { failures: 0, down: false, since: null };
    this.#states.set(receiver, s);
    if (a.ok) {
      if (s.down) this.log.info({ receiver, downSince: s.since }, 'notification receiver answers again');
      Object.assign(s, { failures: 0, down: false, since: null });
      return;
    }
    s.failures++;
    s.since ??= at;
    if (!s.down && s.failures >= this.deadAfter) {
      s.down = true;
      this.#warnings++;
      this.log.warn(
        { receiver, failures: s.failures, status: a.status, answer: a.answer, since: s.since },
        'notification receiver is down; notifications wait and are retried',
      );
    }
  }

  /** Receivers counted down now. */
  down(): string[] {
    return [...this.#states].filter(([, s]) => s.down).map(([r]) => r);
  }

  get warnings(): number {
    return this.#warnings;
  }

  metrics(): MetricFamily[] {
    return [
      {
        name: 'fm_notify_receiver_down',
        help: 'Whether a notification receiver failed its last attempts in a row (1) or answers (0).',
        type: 'gauge',
        samples: [...this.#states].map(([receiver, s]) => ({ labels: { receiver }, value: s.down ? 1 : 0 })),
      },
      {
        name: 'fm_notify_receiver_warnings_total',
        help: 'Operator warnings for a receiver going down (one per outage, not one per message).',
        type: 'counter',
        samples: [{ value: this.#warnings }],
      },
    ];
  }
}
