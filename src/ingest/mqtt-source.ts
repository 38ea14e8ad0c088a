/**
 * The MQTT side of ingest: the service's persistent session (src/mqtt-session.ts, which explains
 * the deferred acknowledgements) subscribed to every device channel; a reading is acknowledged
 * only once it is durable. Acks go out in arrival order because the sink releases batches in order.
 * Copies of ingest share the readings through a shared subscription (`shareGroup`), each on a
 * persistent session of its own.
 */
import type { Logger } from '../log.ts';
import { type Delivery, openMqttSession, type SessionHandlers } from '../mqtt-session.ts';
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

export async function startMqttSource(
  options: IngestMqttOptions,
  log: Logger,
  handlers: SourceHandlers,
): Promise<MessageSource> {
  try {
    return await openMqttSession(
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
      handlers,
    );
  } catch (err) {
    // aedes (the platform's own broker) refuses `$share/...` in its SUBACK (0x80): say what to change.
    if (options.shareGroup && /refused subscriptions/.test((err as Error).message))
      throw new Error(
        `${(err as Error).message}: ingest copies (FM_INGEST_COPY) share readings through shared subscriptions, which this broker does not offer; use mosquitto 2 or EMQX, or one ingest without FM_INGEST_COPY`,
      );
    throw err;
  }
}
