/**
 * The MQTT side of ingest: the service's persistent session (src/mqtt-session.ts, which explains
 * the deferred acknowledgements) subscribed to every device channel; a reading is acknowledged
 * only once it is durable. Acks go out in arrival order because the sink releases batches in order.
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

export function startMqttSource(
  options: IngestMqttOptions,
  log: Logger,
  handlers: SourceHandlers,
): Promise<MessageSource> {
  return openMqttSession(
    {
      service: 'ingest',
      url: options.url,
      username: options.username,
      password: options.password,
      clientId: options.clientId ?? 'service.ingest',
      keepaliveS: options.keepaliveS ?? 30,
      connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
      filters: serviceFilters(),
    },
    log,
    handlers,
  );
}
