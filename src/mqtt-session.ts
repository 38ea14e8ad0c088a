/**
 * A service's MQTT session (ingest and rules): a plain MQTT 3.1.1 client (mqtt.js) on a persistent
 * session (clean false, fixed client id, so the broker queues QoS 1 messages while the service is
 * down), QoS 1 subscriptions, and acknowledgements sent only when the service says what a message
 * caused is durable.
 *
 * Why the PUBACK is written here and not by mqtt.js: for MQTT 3.1.1 mqtt.js sends PUBACK after
 * `handleMessage`'s callback, and handles incoming packets one at a time, so holding the callback
 * until the work is saved would allow one message per write. Instead `handleMessage` returns at
 * once with an error for QoS 1, which makes mqtt.js skip its own PUBACK (publish handler:
 * `if (err) return done(err)`) and move to the next packet; the caller's `ack()` then writes the
 * 4-byte PUBACK [MQTT-3.4] on the same connection. An ack for a connection that has since dropped
 * is not sent: the broker redelivers that message on the next connection [MQTT-4.4.0-1], so
 * nothing is acknowledged that was not made durable. Callers ack in arrival order
 * [MQTT-4.6.0-2]. tests/ingest/mqtt-source.test.ts pins this behaviour of mqtt.js.
 */
import mqtt, { type IPublishPacket, type ISubscriptionMap } from 'mqtt';
import type { ServiceHealth } from './health.ts';
import type { Logger } from './log.ts';

export interface SessionOptions {
  /** Who the session is for, in log lines and errors ("ingest", "rules"). */
  service: string;
  url: string;
  username: string;
  password: string;
  /** Fixed, so the broker keeps the session while the service is down. */
  clientId: string;
  keepaliveS: number;
  /** How long the first connection may take before the start fails. */
  connectTimeoutMs: number;
  filters: readonly string[];
}

export interface Delivery {
  topic: string;
  payload: Buffer;
  /** Sent again after a reconnect (the broker had not seen our PUBACK). */
  dup: boolean;
  /** Delivered because of a new subscription (a retained message), not a live publish. */
  retained: boolean;
  /** Acknowledges the message to the broker; call once its effect is durable. No-op for QoS 0. */
  ack: () => void;
}

export interface SessionHandlers {
  onMessage(delivery: Delivery): void;
  /** A promise while the caller cannot take more; the socket is not read until it settles. */
  backpressure?(): Promise<void> | undefined;
  /** Every connect and every close (failed reconnect attempts included). */
  onConnectionChange?(connected: boolean): void;
}

export interface MqttSession {
  /** Stops taking new messages (they stay with the broker); acks can still be sent. */
  pause(): Promise<void>;
  /** Ends the session; acks already written are flushed before DISCONNECT. */
  stop(): Promise<void>;
}

/** An MQTT session that can also end its subscriptions (what the broker queued for it still comes). */
export interface SubscribedSession extends MqttSession {
  unsubscribe(): Promise<void>;
}

/** Tells mqtt.js not to acknowledge; the ack is ours to send. Not a failure. */
const DEFERRED = Object.assign(new Error('ack deferred to the service'), { deferred: true });

function puback(messageId: number): Buffer {
  // PUBACK: type 4 << 4, remaining length 2, packet identifier [MQTT-3.4.1, 3.4.2].
  return Buffer.from([0x40, 0x02, messageId >> 8, messageId & 0xff]);
}

export async function openMqttSession(
  o: SessionOptions,
  log: Logger,
  handlers: SessionHandlers,
): Promise<SubscribedSession> {
  const client = mqtt.connect(o.url, {
    protocolVersion: 4,
    clientId: o.clientId,
    username: o.username,
    password: o.password,
    clean: false,
    keepalive: o.keepaliveS,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    resubscribe: true,
  });
  let paused = false;

  client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void) => {
    const qos1 = packet.qos > 0 && packet.messageId !== undefined;
    const stream = client.stream;
    const id = packet.messageId ?? 0;
    // Paused: not acknowledged, so the broker keeps it in the session for the next start.
    if (paused) return callback(qos1 ? DEFERRED : undefined);
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
      log.error(
        { err, topic: packet.topic },
        `${o.service} message handler threw; message left unacknowledged`,
      );
    }
    const done = () => callback(qos1 ? DEFERRED : undefined);
    const wait = handlers.backpressure?.();
    if (wait) wait.then(done, done);
    else done();
  };

  // Whether the filters are ours to hold: from the first SUBACK until unsubscribe().
  let subscribed = false;
  // Only shared filters: those are what mosquitto loses (below). A plain one, subscribed again,
  // makes aedes drop and re-add its listener, and on a cluster a message can pass in between.
  const shared = o.filters.filter((f) => f.startsWith('$share/'));
  const again = Object.assign(Object.fromEntries(shared.map((f) => [f, { qos: 1 as const }])), {
    resubscribe: true,
  }) as ISubscriptionMap;
  client.on('connect', (connack) => {
    log.info(
      { url: o.url, clientId: o.clientId, sessionPresent: connack.sessionPresent },
      `${o.service} connected to the broker`,
    );
    // mqtt.js subscribes again only when the session is gone. mosquitto 2.0 restarted from its
    // persistence says the session is present, yet its shared (`$share/`) subscriptions are lost,
    // and a copy would hear nothing more. A SUBSCRIBE for a filter the session holds replaces it,
    // queued messages stay [MQTT-3.8.4-3]. (`resubscribe`: else mqtt.js drops filters it holds.)
    if (subscribed && connack.sessionPresent && shared.length > 0)
      client.subscribe(again, (err) => {
        if (err) log.warn({ err: err.message }, `${o.service} could not subscribe again`);
      });
    handlers.onConnectionChange?.(true);
  });
  client.on('close', () => handlers.onConnectionChange?.(false));
  client.on('offline', () => log.warn({ url: o.url }, `${o.service} lost the broker; reconnecting`));
  client.on('error', (err) => log.warn({ err: err.message, url: o.url }, `${o.service} MQTT error`));

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${o.service}: no connection to ${o.url} within ${o.connectTimeoutMs} ms`)),
        o.connectTimeoutMs,
      );
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      client.on('error', (err) => {
        // Refused credentials will not fix themselves: fail the start instead of looping.
        const code = (err as { code?: number }).code;
        if (code === 4 || code === 5) {
          clearTimeout(timer);
          reject(new Error(`${o.service}: the broker refused the service credentials (${err.message})`));
        }
      });
    });
    const granted = await client
      .subscribeAsync([...o.filters], { qos: 1 })
      .catch((err: Error & { packet?: { granted?: number[] } }) => {
        // mqtt.js rejects a SUBACK holding a failure code (0x80 and up [MQTT-3.9.3]) with the
        // packet attached: read which filters were refused from it.
        const codes = err.packet?.granted;
        if (codes?.length !== o.filters.length) throw err;
        return codes.map((code, i) => ({ topic: o.filters[i]!, qos: code >= 0x80 ? 128 : code }));
      });
    const refused = granted.filter((g) => g.qos === 128);
    if (refused.length > 0)
      throw new Error(
        `${o.service}: the broker refused subscriptions ${refused.map((g) => g.topic).join(', ')}`,
      );
    subscribed = true;
  } catch (err) {
    await client.endAsync(true);
    throw err;
  }

  return {
    async pause() {
      paused = true;
    },
    async unsubscribe() {
      subscribed = false;
      await client.unsubscribeAsync([...o.filters]);
    },
    async stop() {
      paused = true;
      await client.endAsync(false);
    },
  };
}

/** A session lost this often within a minute is a reconnect loop, not a blip. */
const LOOP_RECONNECTS = 5;
/** Longer than this without a session and the service is down. */
const OFFLINE_GRACE_MS = 10_000;

/**
 * How a service's session with the broker is holding up, on a monotonic clock. A broker that
 * disconnects a subscriber right after each SUBACK looks connected most of the time; counting the
 * losses is what tells.
 */
export class SessionHealth {
  #up = false;
  #since: number;
  #losses: number[] = [];

  /** `monotonic`: ms on a clock no wall-clock step moves (not a `Clock`); tests pass a fake one. */
  constructor(private readonly monotonic: () => number = () => performance.now()) {
    this.#since = monotonic();
  }

  up(): void {
    this.#up = true;
    this.#since = this.monotonic();
  }

  /** Called on every close, including failed reconnect attempts: only the first one starts the outage. */
  lost(): void {
    if (!this.#up) return;
    this.#losses.push(this.monotonic());
    this.#up = false;
    this.#since = this.monotonic();
  }

  health(): ServiceHealth {
    const now = this.monotonic();
    this.#losses = this.#losses.filter((t) => now - t < 60_000);
    const losses = this.#losses.length;
    if (!this.#up && now - this.#since > OFFLINE_GRACE_MS)
      return {
        status: 'down',
        detail: `no session with the broker for ${Math.round((now - this.#since) / 1000)} s`,
      };
    if (losses >= LOOP_RECONNECTS)
      return { status: 'down', detail: `lost the broker ${losses} times in the last minute` };
    if (losses > 0)
      return { status: 'degraded', detail: `lost the broker ${losses} times in the last minute` };
    return { status: 'ok' };
  }
}
