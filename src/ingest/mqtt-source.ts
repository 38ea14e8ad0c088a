/**
 * The MQTT side of ingest: the service's persistent session (src/mqtt-session.ts, which explains
 * the deferred acknowledgements) subscribed to every device channel; a reading is acknowledged
 * only once it is durable. Acks go out in arrival order because the sink releases batches in order.
 * Copies of ingest share the readings through a shared subscription (`shareGroup`), each on a
 * persistent session of its own. A copy that stops leaves its group first: mosquitto 2.0 keeps
 * handing a member its turn while it is away (queued in its session: mosquitto's src/subs.c
 * subs__shared_process), so a copy stopped for good would otherwise strand its share.
 */
import type { Logger } from '../log.ts';
import {
  type Delivery,
  openMqttSession,
  type SessionHandlers,
  type SubscribedSession,
} from '../mqtt-session.ts';
import { serviceFilters } from '../protocol/index.ts';
import type { IngestMqttOptions } from './options.ts';

export type { Delivery } from '../mqtt-session.ts';

/** What ingest gets its messages from: an MQTT session (this file) or the broker's bus (bus-source.ts). */
export interface SourceHandlers extends SessionHandlers {
  onMessage(delivery: Delivery): void;
  backpressure(): Promise<void> | undefined;
}

export interface MessageSource {
  /**
   * Stops taking new messages (over MQTT they stay with the broker); acks can still be sent.
   * Resolves once no further message will reach `onMessage`.
   */
  pause(): Promise<void>;
  stop(): Promise<void>;
}

/** The filters ingest subscribes to: every device channel, shared within `shareGroup` when given. */
export function ingestFilters(shareGroup?: string): string[] {
  const filters = serviceFilters();
  // MQTT 5 §4.8.2: `$share/{ShareName}/{filter}`; the share name has no `/`, `+` or `#`.
  return shareGroup ? filters.map((f) => `$share/${shareGroup}/${f}`) : filters;
}

/** Leaving the group: the UNSUBSCRIBE's answer is awaited this long at most. */
const UNSUBSCRIBE_MS = 5000;
/** Then the session's queue is taken until no message came for QUIET_MS, or DRAIN_MS passed. */
const QUIET_MS = 500;
const DRAIN_MS = 10_000;

/**
 * Leaves the shared group before a stop: no new turns, then what the broker had queued for this
 * session is taken and stored while it keeps coming. What is left (a slow InfluxDB, a lost broker)
 * stays in the session for the copy's next start, as without sharing.
 */
async function leaveGroup(
  session: SubscribedSession,
  lastMessageAt: () => number,
  log: Logger,
): Promise<void> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let timer: NodeJS.Timeout | undefined;
  const left = await Promise.race([
    session.unsubscribe().then(
      () => true,
      () => false,
    ),
    new Promise<false>((r) => {
      timer = setTimeout(() => r(false), UNSUBSCRIBE_MS);
    }),
  ]);
  clearTimeout(timer); // a pending timer would hold the process up at its exit
  if (!left) {
    log.warn('ingest could not leave its shared group; the broker keeps its turns for its next start');
    return;
  }
  const until = performance.now() + DRAIN_MS;
  while (performance.now() < until && performance.now() - lastMessageAt() < QUIET_MS) await sleep(50);
}

export async function startMqttSource(
  options: IngestMqttOptions,
  log: Logger,
  handlers: SourceHandlers,
): Promise<MessageSource> {
  let lastMessageAt = performance.now();
  const watched = {
    ...handlers,
    onMessage(d: Delivery) {
      lastMessageAt = performance.now();
      handlers.onMessage(d);
    },
  };
  let session: SubscribedSession;
  try {
    session = await openMqttSession(
      {
        service: 'ingest',
        url: options.url,
        username: options.username,
        password: options.password,
        clientId: options.clientId ?? 'service.ingest',
        keepaliveS: options.keepaliveS ?? 30,
        connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
        filters: ingestFilters(options.shareGroup),
      },
      log,
      watched,
    );
  } catch (err) {
    // aedes (the platform's own broker) refuses `$share/...` in its SUBACK (0x80): say what to change.
    if (options.shareGroup && /refused subscriptions/.test((err as Error).message))
      throw new Error(
        `${(err as Error).message}: ingest copies (FM_INGEST_COPY) share readings through shared subscriptions, which this broker does not offer; use mosquitto 2 or EMQX, or one ingest without FM_INGEST_COPY`,
      );
    throw err;
  }
  if (!options.shareGroup) return session;
  return {
    async pause() {
      lastMessageAt = performance.now();
      await leaveGroup(session, () => lastMessageAt, log);
      await session.pause();
    },
    stop: () => session.stop(),
  };
}
