import type { Logger } from '../log.ts';

/** Why a connection, publish, subscription or delivery was refused or dropped. */
export type RefusalReason =
  | 'anonymous'
  | 'client-id-mismatch'
  | 'unknown-device'
  | 'bad-secret'
  | 'revoked'
  | 'flapping-ban'
  | 'directory-error'
  | 'publish-denied'
  | 'will-denied'
  | 'sys-publish'
  | 'subscribe-denied'
  | 'topic-too-deep'
  | 'oversize-packet'
  | 'malformed-packet'
  | 'protocol-violation'
  | 'bad-qos'
  | 'address-ban'
  // Packet-level rules of MQTT 3.1.1 (strict.ts), each closing the connection.
  | 'reserved-flags'
  | 'invalid-utf8'
  | 'invalid-topic'
  | 'invalid-qos'
  | 'invalid-packet-id'
  | 'unexpected-ack'
  /** CONNACK 1: a protocol level other than 3.1.1 (or 3.1), MQTT 5 included. */
  | 'unsupported-protocol'
  /** CONNACK 2: an empty client id without a clean session. */
  | 'client-id-rejected'
  /** No CONNECT within the connect timeout after the connection opened. */
  | 'connect-timeout'
  /** The listener's own handshake failed or timed out, before any MQTT. */
  | 'tls-handshake-failed'
  | 'ws-handshake-failed'
  /** Behind a proxy (FM_MQTT_PROXY_PROTOCOL): the connection did not start with a valid PROXY protocol header. */
  | 'proxy-header';

export type DropReason = 'slow-subscriber' | 'rate-limit' | 'delivery-failed';

export interface BrokerCounters {
  clientsConnected: number;
  connects: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  /** Publishes held back by the per-device rate limit (the device was slowed, nothing lost). */
  rateDelayed: number;
  /** Publishes held back because the broker already had its limit of messages in delivery. */
  overloadDelayed: number;
  refusals: Partial<Record<RefusalReason, number>>;
  drops: Partial<Record<DropReason, number>>;
  /** Live device sessions ended because the registry revoked the device or rotated its secret. */
  sessionsEnded: { revoked: number; rotated: number };
}

const SUMMARY_MS = 60_000;

/**
 * Counters plus a log that cannot be flooded: the first refusal of each (client, reason) is logged
 * in full, repeats are only counted and summarised once a minute.
 */
export class BrokerStats {
  readonly counters: BrokerCounters = {
    clientsConnected: 0,
    connects: 0,
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    rateDelayed: 0,
    overloadDelayed: 0,
    refusals: {},
    drops: {},
    sessionsEnded: { revoked: 0, rotated: 0 },
  };
  readonly #seen = new Set<string>();
  #suppressed = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly log: Logger) {
    this.#timer = setInterval(() => this.#summarise(), SUMMARY_MS);
    this.#timer.unref();
  }

  refuse(reason: RefusalReason, clientId: string | undefined, detail?: Record<string, unknown>): void {
    this.counters.refusals[reason] = (this.counters.refusals[reason] ?? 0) + 1;
    this.#report('refused', reason, clientId, detail);
  }

  drop(reason: DropReason, clientId: string | undefined, detail?: Record<string, unknown>): void {
    this.counters.drops[reason] = (this.counters.drops[reason] ?? 0) + 1;
    this.#report('dropped', reason, clientId, detail);
  }

  snapshot(): BrokerCounters {
    const c = this.counters;
    return {
      ...c,
      refusals: { ...c.refusals },
      drops: { ...c.drops },
      sessionsEnded: { ...c.sessionsEnded },
    };
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#summarise();
  }

  #report(
    what: string,
    reason: string,
    clientId: string | undefined,
    detail?: Record<string, unknown>,
  ): void {
    const key = `${reason}\0${clientId ?? ''}`;
    if (this.#seen.has(key)) {
      this.#suppressed++;
      return;
    }
    // Bounded: a scan of random client ids must not grow this set without limit.
    if (this.#seen.size >= 10_000) this.#seen.clear();
    this.#seen.add(key);
    this.log.warn({ clientId, reason, ...detail }, `${what}: ${reason}`);
  }

  #summarise(): void {
    if (this.#suppressed === 0) return;
    this.log.warn(
      { suppressed: this.#suppressed, refusals: this.counters.refusals, drops: this.counters.drops },
      'further refusals and drops since the last summary (counted, not logged one by one)',
    );
    this.#suppressed = 0;
    this.#seen.clear();
  }
}
