import { labelled, type MetricFamily } from '../metrics.ts';

/** Why a reply changed nothing: names no command of its device, answers one twice, or breaks the contract. */
export type IgnoredReply = 'unknown' | 'repeat' | 'invalid';

/**
 * The sender's counters, per command and outcome (docs/metrics.md): `queued` commands seen,
 * `sent` (the broker took them), the end each came to (`answered`, `failed`, `expired`), answers
 * that came `late`, publishes that did not reach the broker, and replies ignored by reason.
 */
export class CommandCounters {
  readonly #outcomes = new Map<string, number>();
  readonly #ignored: Record<IgnoredReply, number> = { unknown: 0, repeat: 0, invalid: 0 };
  publishFailures = 0;

  count(command: string, outcome: string): void {
    const key = `${command}\u0000${outcome}`;
    this.#outcomes.set(key, (this.#outcomes.get(key) ?? 0) + 1);
  }

  ignore(reason: IgnoredReply): void {
    this.#ignored[reason]++;
  }

  get(command: string, outcome: string): number {
    return this.#outcomes.get(`${command}\u0000${outcome}`) ?? 0;
  }

  ignored(): Readonly<Record<IgnoredReply, number>> {
    return { ...this.#ignored };
  }

  metrics(): MetricFamily[] {
    return [
      {
        name: 'fm_commands_total',
        help: 'Commands to devices by command and outcome (sent, answered, failed, expired, late).',
        type: 'counter',
        samples: [...this.#outcomes].map(([key, value]) => {
          const [command, outcome] = key.split('\u0000') as [string, string];
          return { labels: { command, outcome }, value };
        }),
      },
      labelled(
        'fm_commands_replies_ignored_total',
        'Device replies that changed nothing, by reason (unknown id, repeat, invalid).',
        'counter',
        'reason',
        this.#ignored,
      ),
      {
        name: 'fm_commands_publish_failures_total',
        help: 'Command publishes the broker did not acknowledge in time (retried until expiry or the attempt limit).',
        type: 'counter',
        samples: [{ value: this.publishFailures }],
      },
    ];
  }
}
