/**
 * The outbox's sender (docs/notifications.md). Each pass claims the due head of every queue (a
 * person's or a chat's messages go in order: a row waits while an earlier one of its queue is
 * pending), delivers them side by side, and records each attempt and the receiver's answer.
 * Failures retry with exponential backoff (doubling from retryMinMs to retryMaxMs, half of it
 * jittered) until maxAttempts, then the row is given up. A claim is a lease: a sender killed
 * mid-send leaves the row to be sent again once the lease runs out, with the same key.
 */
import { type Clock, dateOf, systemClock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { MetricFamily } from '../metrics.ts';
import type { Db } from '../records/index.ts';
import { dingtalkChannel } from './channels/dingtalk.ts';
import { emailChannel } from './channels/email.ts';
import { feishuChannel } from './channels/feishu.ts';
import { smsChannel } from './channels/sms.ts';
import type { Answer, Deliver, Outgoing } from './channels/types.ts';
import { webhookChannel } from './channels/webhook.ts';
import { wecomChannel } from './channels/wecom.ts';
import type { Channel, NotifyOptions } from './config.ts';
import { ReceiverHealth } from './health.ts';

export interface SenderDeps {
  db: Db;
  log: Logger;
  options: NotifyOptions;
  now?: Clock;
  /** Jitter source in [0, 1); tests pass a constant. */
  random?: () => number;
  /** How long a claim holds a row (ms, default 30 s). */
  leaseMs?: number;
  /** Rows claimed per pass (one per queue at most). */
  batch?: number;
}

const OUTCOMES = ['sent', 'failed', 'gave_up'] as const;
/** Rows of one queue sent one after another in a pass, so a backlog drains without a pass per row. */
const CHAIN = 100;
type Outcome = (typeof OUTCOMES)[number];

const COLUMNS = `id, key, channel, target, mentions, message, emergency, event, subject, subject_id AS "subjectId",
  site_id AS site, created_at AS "createdAt", attempts, staff_id AS "staffId", queue`;

type Claimed = Outgoing & { attempts: number; staffId: string | null; queue: string };

/** Whom a row is sent through: a chat receiver by name, or the one SMTP server or SMS gateway. */
const receiverOf = (row: Outgoing) =>
  row.channel === 'email' || row.channel === 'sms' ? row.channel : `chat:${row.target}`;

export class OutboxSender {
  readonly #deps: SenderDeps;
  readonly #now: Clock;
  readonly #deliver = new Map<string, Deliver>();
  readonly #closers: (() => void)[] = [];
  readonly #counts = new Map<string, number>();
  readonly health: ReceiverHealth;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #again = false;

  constructor(deps: SenderDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? systemClock;
    const o = deps.options;
    for (const [name, r] of Object.entries(o.receivers)) {
      const d =
        r.type === 'webhook'
          ? webhookChannel(r.url, r.secret!, this.#now)
          : r.type === 'dingtalk'
            ? dingtalkChannel(r.url, r.secret!, this.#now)
            : r.type === 'feishu'
              ? feishuChannel(r.url, r.secret!, this.#now)
              : wecomChannel(r.url);
      this.#deliver.set(`chat:${name}`, d);
    }
    if (o.smtp) {
      const mail = emailChannel(o.smtp);
      this.#deliver.set('email', mail.deliver);
      this.#closers.push(mail.close);
    }
    if (o.sms) this.#deliver.set('sms', smsChannel(o.sms));
    this.health = new ReceiverHealth(deps.log, o.deadAfter);
  }

  start(intervalMs = 1000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.wake(), intervalMs);
    this.#timer.unref();
  }

  /** Asks for a pass now (the desk committed something); passes never overlap. */
  wake(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.tick().catch((err) => this.#deps.log.error({ err }, 'notification pass failed'));
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
    for (const close of this.#closers) close();
  }

  /** One pass at the clock's time; resolves to how many rows were attempted. */
  tick(): Promise<number> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
    return this.#running;
  }

  async #pass(): Promise<number> {
    const at = dateOf(this.#now);
    // The head of each queue, if due and not held by another sender. A row deferred by quiet
    // hours and never tried is not a head (it does not hold back an emergency behind it); a row
    // being retried is, and holds back the rest of its queue (order per person).
    const heads = await this.#deps.db.query<Claimed>(
      `UPDATE notify_outbox SET claimed_until = $2 WHERE id IN (
         SELECT id FROM notify_outbox WHERE id IN (
           SELECT h.id FROM (
             SELECT DISTINCT ON (queue) id, next_at, claimed_until FROM notify_outbox
             WHERE state IN ('queued', 'failed') AND (attempts > 0 OR next_at <= $1) ORDER BY queue, id) h
           WHERE h.next_at <= $1 AND (h.claimed_until IS NULL OR h.claimed_until <= $1)
           ORDER BY h.id LIMIT $3)
         FOR UPDATE SKIP LOCKED)
       -- Again here: PostgreSQL re-checks these on the newest version of a row another sender
       -- claimed or sent after this statement's snapshot (the subquery's answer is not re-checked).
       AND state IN ('queued', 'failed') AND next_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
       RETURNING ${COLUMNS}`,
      [at, this.#leaseEnd(), this.#deps.batch ?? 64],
    );
    const counts = await Promise.all(heads.map((h) => this.#drainQueue(h)));
    return counts.reduce((a, b) => a + b, 0);
  }

  #leaseEnd(): Date {
    return new Date(this.#now() + (this.#deps.leaseMs ?? 30_000));
  }

  /** Sends a queue's rows one after the other while they go through (at most CHAIN per pass). */
  async #drainQueue(head: Claimed): Promise<number> {
    let row: Claimed | undefined = head;
    let n = 0;
    while (row) {
      n++;
      if ((await this.#send(row)) !== 'sent' || n >= CHAIN) break;
      row = await this.#claimNext(row.queue);
    }
    return n;
  }

  /** The queue's next row, claimed, if it is due and nobody holds it. */
  async #claimNext(queue: string): Promise<Claimed | undefined> {
    const at = dateOf(this.#now);
    const [row] = await this.#deps.db.query<Claimed>(
      `UPDATE notify_outbox SET claimed_until = $3 WHERE id = (
         SELECT id FROM notify_outbox WHERE queue = $1 AND state IN ('queued', 'failed')
           AND (attempts > 0 OR next_at <= $2) ORDER BY id LIMIT 1)
         AND state IN ('queued', 'failed') AND next_at <= $2 AND (claimed_until IS NULL OR claimed_until <= $2)
       RETURNING ${COLUMNS}`,
      [queue, at, this.#leaseEnd()],
    );
    return row;
  }

  async #send(row: Claimed): Promise<Outcome> {
    const receiver = receiverOf(row);
    const deliver = this.#deliver.get(receiver);
    let answer: Answer;
    if (!deliver) answer = { ok: false, status: null, answer: `no ${receiver} configured now` };
    else if (row.channel === 'sms' && !row.emergency && (await this.#overCap(row)))
      return this.#finish(row, 'gave_up', { ok: false, status: null, answer: 'daily SMS cap reached' });
    else answer = await deliver(row);
    if (deliver) this.health.report(receiver, answer, dateOf(this.#now));
    const attempts = row.attempts + 1;
    if (answer.ok) return this.#finish(row, 'sent', answer);
    return this.#finish(row, attempts >= this.#deps.options.maxAttempts ? 'gave_up' : 'failed', answer);
  }

  async #overCap(row: Claimed): Promise<boolean> {
    const cap = this.#deps.options.sms?.dailyCap ?? 0;
    if (cap === 0 || !row.staffId) return false;
    const [r] = await this.#deps.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notify_outbox o, sites s
       WHERE s.id = $2 AND o.channel = 'sms' AND o.staff_id = $1 AND o.state = 'sent' AND NOT o.emergency
         AND o.sent_at >= (date_trunc('day', $3::timestamptz AT TIME ZONE s.timezone) AT TIME ZONE s.timezone)`,
      [row.staffId, row.site, dateOf(this.#now)],
    );
    return (r?.n ?? 0) >= cap;
  }

  async #finish(row: Claimed, outcome: Outcome, a: Answer): Promise<Outcome> {
    const at = dateOf(this.#now);
    const attempts = row.attempts + 1;
    const { retryMinMs, retryMaxMs } = this.#deps.options;
    const delay = Math.min(retryMaxMs, retryMinMs * 2 ** (attempts - 1));
    const jittered = delay / 2 + (this.#deps.random ?? Math.random)() * (delay / 2);
    // One statement, so one implicit transaction: the row's state and its attempt together.
    await this.#deps.db.query(
      `WITH u AS (
         UPDATE notify_outbox SET state = $2, attempts = $3, claimed_until = NULL, last_status = $4, last_answer = $5,
           sent_at = CASE WHEN $2 = 'sent' THEN $6::timestamptz ELSE sent_at END, next_at = $7
         WHERE id = $1 RETURNING id)
       INSERT INTO notify_attempts (outbox_id, at, ok, status, answer) SELECT id, $6, $8, $4, $5 FROM u`,
      [row.id, outcome, attempts, a.status, a.answer, at, new Date(at.getTime() + jittered), a.ok],
    );
    const label = `${row.channel}\u0000${outcome}`;
    this.#counts.set(label, (this.#counts.get(label) ?? 0) + 1);
    if (outcome === 'gave_up') {
      // A receiver already reported down had its one warning: its give-ups are not each another.
      const known = this.health.down().includes(receiverOf(row));
      this.#deps.log[known ? 'info' : 'warn'](
        { key: row.key, channel: row.channel, answer: a.answer },
        'notification given up',
      );
    }
    return outcome;
  }

  metrics(): MetricFamily[] {
    return [
      {
        name: 'fm_notify_deliveries_total',
        help: 'Notification delivery attempts by channel and outcome (sent, failed: will retry, gave_up).',
        type: 'counter',
        samples: [...this.#counts].map(([k, value]) => {
          const [channel, outcome] = k.split('\u0000') as [Channel, Outcome];
          return { labels: { channel, outcome }, value };
        }),
      },
      ...this.health.metrics(),
    ];
  }
}
