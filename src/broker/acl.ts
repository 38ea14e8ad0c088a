import type { AedesOptions, Client } from 'aedes';
import type { Clock } from '../clock.ts';
import type { DeviceDirectory } from '../records/index.ts';
import { principals } from './auth.ts';
import type { BrokerStats, RefusalReason } from './counters.ts';
import { devicePrincipal, mayPublish, maySubscribe } from './permissions.ts';

type Hooks = Required<Pick<AedesOptions, 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>>;

export interface AclOptions {
  stats: BrokerStats;
  /** Sustained publishes per second per device; bursts up to twice that. */
  deviceRate: number;
  outboundQueueBytes: number;
  now: Clock;
  /** Holds an authorized publish until the broker has room to deliver it (see gate.ts). */
  admit: (go: () => void) => void;
}

/** A device that runs this far ahead of its rate is cut off instead of slowed further. */
const MAX_DELAY_S = 5;

/**
 * Token bucket per connection. Publishing beyond the rate is not dropped: the callback is delayed,
 * so aedes stops reading that socket and TCP slows the device down.
 */
class Bucket {
  tokens: number;
  last: number;
  constructor(
    readonly rate: number,
    now: number,
  ) {
    this.tokens = rate * 2;
    this.last = now;
  }
  /** Seconds the publish must wait; Infinity when the device is too far ahead. */
  take(now: number): number {
    this.tokens = Math.min(this.rate * 2, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    const wait = (1 - this.tokens) / this.rate;
    if (wait > MAX_DELAY_S) return Number.POSITIVE_INFINITY;
    this.tokens -= 1;
    return wait;
  }
}

/**
 * Whether a will another node stored may be sent: on a cluster, a surviving node sends the wills
 * of a dead node's devices with no client to check them against (aedes.js _clearWills), so the
 * will is held to what its device may publish, from the registry (the same policy as a live one).
 */
export async function orphanWillAllowed(
  topic: string,
  clientId: string,
  devices: Pick<DeviceDirectory, 'findDevice'>,
): Promise<boolean> {
  const device = await devices.findDevice(clientId).catch(() => undefined);
  return device ? mayPublish(devicePrincipal(device), topic) : false;
}

export function createAcl({ stats, deviceRate, outboundQueueBytes, now, admit }: AclOptions): Hooks {
  const buckets = new WeakMap<Client, Bucket>();
  const deny = (reason: RefusalReason, client: Client, topic: string) => {
    stats.refuse(reason, client.id, { topic: topic.slice(0, 200) });
    return new Error(reason);
  };

  const authorizePublish: Hooks['authorizePublish'] = (client, packet, callback) => {
    if (!client) return callback(null); // the broker's own messages ($SYS heartbeat)
    const allow = () => admit(() => callback(null));
    const principal = principals.get(client);
    const isWill = packet === (client as Client & { will?: unknown }).will;
    const denied: RefusalReason = isWill ? 'will-denied' : 'publish-denied';
    if (!principal) return callback(deny(denied, client, packet.topic));
    if (packet.topic.startsWith('$'))
      return callback(deny(isWill ? 'will-denied' : 'sys-publish', client, packet.topic));
    if (!mayPublish(principal, packet.topic)) return callback(deny(denied, client, packet.topic));
    if (principal.type === 'service') return allow();
    if (isWill) return callback(null); // published by aedes after the client has gone
    let bucket = buckets.get(client);
    if (!bucket) {
      bucket = new Bucket(deviceRate, now());
      buckets.set(client, bucket);
    }
    const wait = bucket.take(now());
    if (wait === 0) return allow();
    if (wait === Number.POSITIVE_INFINITY) {
      stats.drop('rate-limit', client.id, { rate: deviceRate });
      return callback(new Error('publish rate far above the limit'));
    }
    stats.counters.rateDelayed++;
    setTimeout(allow, wait * 1000);
  };

  const authorizeSubscribe: Hooks['authorizeSubscribe'] = (client, subscription, callback) => {
    const principal = principals.get(client);
    const topic = subscription.topic;
    if (principal && maySubscribe(principal, topic)) return callback(null, subscription);
    deny('subscribe-denied', client, topic);
    // A null subscription is refused in the SUBACK with 0x80 [MQTT-3.9.3-2]; the connection stays.
    callback(null, null);
  };

  const authorizeForward: Hooks['authorizeForward'] = (client, packet) => {
    // Bounded outbound queue: a subscriber that does not read loses QoS 0 messages (counted)
    // instead of the broker buffering them without limit (aedes issue #193).
    if (packet.qos === 0 && client.conn.writableLength >= outboundQueueBytes) {
      stats.drop('slow-subscriber', client.id, { queuedBytes: client.conn.writableLength });
      return null;
    }
    stats.counters.messagesOut++;
    return packet;
  };

  return { authorizePublish, authorizeSubscribe, authorizeForward };
}
