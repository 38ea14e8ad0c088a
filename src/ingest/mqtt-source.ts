/**
 * The MQTT side of ingest: a plain MQTT 3.1.1 client (mqtt.js) on a persistent session, QoS 1
 * subscriptions to every device channel, and acknowledgements sent only when the caller says the
 * reading is durable.
 *
 * Why the PUBACK is written here and not by mqtt.js: for MQTT 3.1.1 mqtt.js sends PUBACK after
 * `handleMessage`'s callback, and handles incoming packets one at a time, so holding the callback
 * until InfluxDB has the reading would allow one message per write. Instead `handleMessage` returns
 * at once with an error for QoS 1, which makes mqtt.js skip its own PUBACK (publish handler:
 * `if (err) return done(err)`) and move to the next packet; the caller's `ack()` then writes the
 * 4-byte PUBACK [MQTT-3.4] on the same connection. An ack for a connection that has since dropped
 * is not sent: the broker redelivers that message on the next connection [MQTT-4.4.0-1], so
 * nothing is acknowledged that was not made durable. Acks go out in arrival order because the
 * sink releases batches in order [MQTT-4.6.0-2]. tests/ingest/mqtt-source.test.ts pins this
 * behaviour of mqtt.js.
 */
import mqtt, { type IPublishPacket } from 'mqtt';
import type { Logger } from '../log.ts';
import { serviceFilters } from '../protocol/index.ts';
import type { IngestMqttOptions } from './options.ts';

export interface Delivery {
  topic: string;
  payload: Buffer;
  /** Sent again after a reconnect (the broker had not seen our PUBACK). */
  dup: boolean;
  /** Delivered because of a new subscription (a retained message), not a live publish. */
  retained: boolean;
  /** Acknowledges the message to the broker; call once the reading is durable. No-op for QoS 0. */
  ack: () => void;
}

/** What ingest gets its messages from: an MQTT session (this file) or the broker's bus (bus-source.ts). */
export interface SourceHandlers {
  onMessage(delivery: Delivery): void;
  /** A promise while the caller cannot take more; the socket is not read until it settles. */
  backpressure(): Promise<void> | undefined;
  onConnectionChange?(connected: boolean): void;
}

export interface MessageSource {
  /**
   * Stops taking new messages (over MQTT they stay with the broker); acks can still be sent.
   * Resolves once no further message will reach `onMessage`.
   */
  pause(): Promise<void>;
  stop(): Promise<void>;
}

/** Tells mqtt.js not to acknowledge; the ack is ours to send. Not a failure. */
const DEFERRED = Object.assign(new Error('ack deferred to ingest'), { deferred: true });

function puback(messageId: number): Buffer {
  // PUBACK: type 4 << 4, remaining length 2, packet identifier [MQTT-3.4.1, 3.4.2].
  return Buffer.from([0x40, 0x02, messageId >> 8, messageId & 0xff]);
}

export async function startMqttSource(
  options: IngestMqttOptions,
  log: Logger,
  handlers: SourceHandlers,
): Promise<MessageSource> {
  const client = mqtt.connect(options.url, {
    protocolVersion: 4,
    clientId: options.clientId ?? 'service.ingest',
    username: options.username,
    password: options.password,
    clean: false,
    keepalive: options.keepaliveS ?? 30,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    resubscribe: true,
  });
  let paused = false;

  client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void) => {
    const qos1 = packet.qos > 0 && packet.messageId !== undefined;
    const stream = client.stream;
    const id = packet.messageId ?? 0;
    if (paused) {
      // Not acknowledged: the broker keeps it in the session for the next start.
      callback(qos1 ? DEFERRED : undefined);
      return;
    }
    const ack = qos1
      ? () => {
          if (client.stream === stream && client.connected && !stream.destroyed) stream.write(puback(id));
        }
      : () => {};
    try {
      handlers.onMessage({
        topic: packet.topic,
        payload: packet.payload as Buffer,
        dup: packet.dup,
        retained: packet.retain,
        ack,
      });
    } catch (err) {
      log.error({ err, topic: packet.topic }, 'ingest message handler threw; message left unacknowledged');
    }
    const done = () => callback(qos1 ? DEFERRED : undefined);
    const wait = handlers.backpressure();
    if (wait) wait.then(done, done);
    else done();
  };

  client.on('connect', (connack) => {
    log.info({ url: options.url, sessionPresent: connack.sessionPresent }, 'ingest connected to the broker');
    handlers.onConnectionChange?.(true);
  });
  client.on('close', () => handlers.onConnectionChange?.(false));
  client.on('offline', () => log.warn({ url: options.url }, 'ingest lost the broker; reconnecting'));
  client.on('error', (err) => log.warn({ err: err.message, url: options.url }, 'ingest MQTT error'));

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `ingest: no connection to ${options.url} within ${options.connectTimeoutMs ?? 30_000} ms`,
            ),
          ),
        options.connectTimeoutMs ?? 30_000,
      );
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      client.on('error', (err) => {
        // Refused credentials will not fix themselves: fail the start instead of looping.
        if ((err as { code?: number }).code === 4 || (err as { code?: number }).code === 5) {
          clearTimeout(timer);
          reject(new Error(`ingest: the broker refused the service credentials (${err.message})`));
        }
      });
    });
    const granted = await client.subscribeAsync(serviceFilters(), { qos: 1 });
    const refused = granted.filter((g) => g.qos === 128);
    if (refused.length > 0)
      throw new Error(`ingest: the broker refused subscriptions ${refused.map((g) => g.topic).join(', ')}`);
  } catch (err) {
    await client.endAsync(true);
    throw err;
  }

  return {
    async pause() {
      paused = true;
    },
    async stop() {
      paused = true;
      // Not forced: pending PUBACKs already written are flushed before DISCONNECT.
      await client.endAsync(false);
    },
  };
}
