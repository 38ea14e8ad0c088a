/**
 * Who may publish and subscribe to what, as pure functions of a principal and a topic. One policy
 * for every broker the platform supports: aedes asks it through its hooks (acl.ts), EMQX through
 * the HTTP authorization endpoint (api/routes/emqx.ts), and mosquitto's dynamic security roles are
 * written from `deviceTopics` (mosquitto/plan.ts).
 */
import {
  type Channel,
  COMMAND_CHANNEL,
  DEVICE_CHANNELS,
  type DeviceAddress,
  devicePrefix,
  deviceTopic,
  parseTopic,
  REPLY_CHANNEL,
  TOPIC_ROOT,
} from '../protocol/index.ts';
import type { RegisteredDevice } from '../records/index.ts';

/** Who is behind a connection, decided once at CONNECT and read by the ACL on every packet. */
export type Principal =
  | {
      type: 'device';
      address: DeviceAddress;
      prefix: string;
      commandTopic: string;
      /** The registry's rotation time when this session authenticated (epoch ms). */
      secretRotatedAt: number | null;
    }
  | { type: 'service'; name: string };

/** Service accounts: `service.<name>` ('.' is not allowed in device ids, and mosquitto's password file takes it); client id = username, optionally `-suffix`. */
export const SERVICE_USER = /^service\.[a-z][a-z0-9-]{0,31}$/;

/** A service account's client id is its username, optionally followed by `-suffix` (one per copy). */
export function serviceClientIdFits(username: string, clientId: string): boolean {
  return clientId === username || clientId.startsWith(`${username}-`);
}

export function devicePrincipal(device: RegisteredDevice): Principal & { type: 'device' } {
  const address = { site: device.site, kind: device.kind, deviceId: device.deviceId };
  return {
    type: 'device',
    address,
    prefix: devicePrefix(address),
    commandTopic: deviceTopic({ ...address, channel: 'command' }),
    secretRotatedAt: device.secretRotatedAt?.getTime() ?? null,
  };
}

const DEVICE_PUBLISH_CHANNELS: readonly Channel[] = [...DEVICE_CHANNELS, REPLY_CHANNEL];

/**
 * The only topics a device may use [contract]: publish its own channels and its replies to
 * commands, subscribe its command topic.
 */
export function deviceTopics(address: DeviceAddress): { publish: string[]; subscribe: string } {
  return {
    publish: DEVICE_PUBLISH_CHANNELS.map((channel) => deviceTopic({ ...address, channel })),
    subscribe: deviceTopic({ ...address, channel: COMMAND_CHANNEL }),
  };
}

/** What services subscribe to, as mosquitto/EMQX filters: the contract's tree and the broker's $SYS. */
export const SERVICE_SUBSCRIBE_FILTERS = [`${TOPIC_ROOT}/#`, '$SYS/#'] as const;
/** Services only talk to devices through their command topics. */
export const SERVICE_PUBLISH_FILTER = `${TOPIC_ROOT}/+/+/+/${COMMAND_CHANNEL}`;

/** What a device may publish on under its own prefix: its readings and its replies to commands. */
const DEVICE_CHANNEL_SET = new Set<string>(DEVICE_PUBLISH_CHANNELS);

/** May `principal` publish to `topic`? Nobody publishes under `$` (the broker's own topics). */
export function mayPublish(principal: Principal, topic: string): boolean {
  if (topic.startsWith('$')) return false;
  if (principal.type === 'service') {
    const parsed = parseTopic(topic);
    return parsed.ok && parsed.value.channel === COMMAND_CHANNEL;
  }
  const rest = topic.startsWith(principal.prefix) ? topic.slice(principal.prefix.length) : '';
  return DEVICE_CHANNEL_SET.has(rest);
}

/**
 * May `principal` subscribe to `filter`? Where the broker shares subscriptions (`sharing`: EMQX,
 * mosquitto; not aedes), a service may also share one (`$share/<group>/<filter>`, MQTT 5 §4.8.2)
 * to what it may subscribe to alone; a device never.
 */
export function maySubscribe(principal: Principal, filter: string, sharing = false): boolean {
  if (principal.type === 'device') return filter === principal.commandTopic;
  const shared = sharing ? /^\$share\/[^/#+]+\/(.+)$/.exec(filter) : null;
  const topic = shared ? shared[1]! : filter;
  return topic.startsWith(`${TOPIC_ROOT}/`) || topic.startsWith('$SYS/');
}
