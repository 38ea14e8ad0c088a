/**
 * The rules service's MQTT client: MQTT 3.1.1, persistent session (clean false, fixed client id),
 * QoS 1 subscriptions, and PUBACKs sent only once what a message caused is saved. The technique is
 * ingest's (src/ingest/mqtt-source.ts explains it): handleMessage returns at once with an error for
 * QoS 1 so mqtt.js sends no PUBACK, and ours is written on the same connection later. An ack for a
 * connection that has dropped is not sent; the broker redelivers that message [MQTT-4.4.0-1].
 */
import mqtt, { type IPublishPacket } from 'mqtt';
import type { ServiceHealth } from '../health.ts';
import type { Logger } from '../log.ts';
import { DEVICE_CHANNELS, type DeviceChannel, serviceFilters, siteFilter } from '../protocol/index.ts';

export interface RulesMqtt {
  url: string;
  username: string;
  password: string;
  /** Fixed, so the broker keeps the session (and queues QoS 1 messages) while rules is down. */
  clientId: string;
}

export interface Delivery {
  topic: string;
  payload: Buffer;
  ack: () => void;
}

/** A session lost this often within a minute is a reconnect loop, not a blip. */
const LOOP_RECONNECTS = 5;
/** Longer than this without a session and fault detection is down. */
const OFFLINE_GRACE_MS = 10_000;

/**
 * How the session is holding up, on a monotonic clock. A broker that disconnects rules right after
 * each SUBACK looks connected most of the time; counting the losses is what tells.
 */
export class SessionHealth {
  #up = false;
  #since: number;
  #losses: number[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {
    this.#since = now();
  }

  up(): void {
    this.#up = true;
    this.#since = this.now();
  }

  /** Called on every close, including failed reconnect attempts: only the first one starts the outage. */
  lost(): void {
    if (!this.#up) return;
    this.#losses.push(this.now());
    this.#up = false;
    this.#since = this.now();
  }

  health(): ServiceHealth {
    const now = this.now();
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

const DEFERRED = Object.assign(new Error('ack deferred to rules'), { deferred: true });

export async function connectRules(
  m: RulesMqtt,
  o: { keepaliveS: number; connectTimeoutMs: number; sites?: string[] },
  log: Logger,
  onMessage: (d: Delivery) => void,
  session: SessionHealth = new SessionHealth(),
) {
  const client = mqtt.connect(m.url, {
    protocolVersion: 4,
    clientId: m.clientId,
    username: m.username,
    password: m.password,
    clean: false,
    keepalive: o.keepaliveS,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    resubscribe: true,
  });
  client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void) => {
    const qos1 = packet.qos > 0 && packet.messageId !== undefined;
    const stream = client.stream;
    const id = packet.messageId ?? 0;
    const ack = qos1
      ? () => {
          // PUBACK [MQTT-3.4.1]: type 4, remaining length 2, packet identifier.
          if (client.stream === stream && client.connected && !stream.destroyed)
            stream.write(Buffer.from([0x40, 0x02, id >> 8, id & 0xff]));
        }
      : () => {};
    try {
      onMessage({ topic: packet.topic, payload: packet.payload as Buffer, ack });
    } catch (err) {
      log.error({ err, topic: packet.topic }, 'rules message handler threw; message left unacknowledged');
    }
    callback(qos1 ? DEFERRED : undefined);
  };
  client.on('connect', (c) => {
    session.up();
    log.info({ url: m.url, sessionPresent: c.sessionPresent }, 'rules connected to the broker');
  });
  client.on('close', () => session.lost());
  client.on('offline', () => log.warn({ url: m.url }, 'rules lost the broker; reconnecting'));
  client.on('error', (err) => log.warn({ err: err.message, url: m.url }, 'rules MQTT error'));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`rules: no connection to ${m.url} within ${o.connectTimeoutMs} ms`)),
        o.connectTimeoutMs,
      );
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      client.on('error', (err) => {
        const code = (err as { code?: number }).code;
        if (code === 4 || code === 5) {
          clearTimeout(timer);
          reject(new Error(`rules: the broker refused the service credentials (${err.message})`));
        }
      });
    });
    const channels: readonly DeviceChannel[] = DEVICE_CHANNELS;
    const filters = o.sites
      ? o.sites.flatMap((s) => channels.map((c) => siteFilter(s, c)))
      : serviceFilters();
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    const refused = granted.filter((g) => g.qos === 128);
    if (refused.length > 0)
      throw new Error(`rules: the broker refused subscriptions ${refused.map((g) => g.topic).join(', ')}`);
  } catch (err) {
    await client.endAsync(true);
    throw err;
  }
  return client;
}
