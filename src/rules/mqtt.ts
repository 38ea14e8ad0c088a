/**
 * The rules service's MQTT side: the service session of src/mqtt-session.ts (persistent, QoS 1,
 * PUBACKs sent only once what a message caused is saved) and how that session is holding up.
 */
import type { ServiceHealth } from '../health.ts';
import type { Logger } from '../log.ts';
import { type Delivery, type MqttSession, openMqttSession } from '../mqtt-session.ts';
import { DEVICE_CHANNELS, type DeviceChannel, serviceFilters, siteFilter } from '../protocol/index.ts';

export interface RulesMqtt {
  url: string;
  username: string;
  password: string;
  /** Fixed, so the broker keeps the session (and queues QoS 1 messages) while rules is down. */
  clientId: string;
}

export type { Delivery } from '../mqtt-session.ts';

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

/** Every device channel, or those of the given sites only (a rules worker per group of sites). */
export function rulesFilters(sites?: readonly string[]): string[] {
  const channels: readonly DeviceChannel[] = DEVICE_CHANNELS;
  return sites ? sites.flatMap((s) => channels.map((c) => siteFilter(s, c))) : serviceFilters();
}

/** The rules service's session: its device channels (all, or its sites'), acks once what a message caused is saved. */
export function connectRules(
  m: RulesMqtt,
  o: { keepaliveS: number; connectTimeoutMs: number; sites?: string[] },
  log: Logger,
  onMessage: (d: Delivery) => void,
  session: SessionHealth = new SessionHealth(),
): Promise<MqttSession> {
  return openMqttSession(
    {
      service: 'rules',
      ...m,
      keepaliveS: o.keepaliveS,
      connectTimeoutMs: o.connectTimeoutMs,
      filters: rulesFilters(o.sites),
    },
    log,
    { onMessage, onConnectionChange: (up) => (up ? session.up() : session.lost()) },
  );
}
