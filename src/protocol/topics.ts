/**
 * The topic layout of the MQTT contract: `fm/{site}/{kind}/{deviceId}/{channel}`.
 * Nothing else in the code base spells a topic string; build and parse them here.
 */
export const TOPIC_ROOT = 'fm';
export const KINDS = ['lift', 'pump', 'lighting', 'cctv'] as const;
export type Kind = (typeof KINDS)[number];
/** Channels a device publishes on. `status` is retained and carries the last will. */
export const DEVICE_CHANNELS = ['telemetry', 'event', 'status'] as const;
export type DeviceChannel = (typeof DEVICE_CHANNELS)[number];
/** The channel a device subscribes to for commands from the platform. */
export const COMMAND_CHANNEL = 'command';
/** The channel a device answers commands on (device → platform); see commands.ts. */
export const REPLY_CHANNEL = 'reply';
export type Channel = DeviceChannel | typeof COMMAND_CHANNEL | typeof REPLY_CHANNEL;

/** Site and device ids: `[A-Za-z0-9_-]{1,64}`. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface DeviceAddress {
  site: string;
  kind: Kind;
  deviceId: string;
}

export interface TopicParts extends DeviceAddress {
  channel: Channel;
}

export type TopicParseResult = { ok: true; value: TopicParts } | { ok: false; reason: TopicError };
export type TopicError =
  | 'not-fm-topic'
  | 'wrong-depth'
  | 'bad-site'
  | 'bad-kind'
  | 'bad-device-id'
  | 'bad-channel';

const CHANNELS: readonly string[] = [...DEVICE_CHANNELS, COMMAND_CHANNEL, REPLY_CHANNEL];

export function isKind(value: string): value is Kind {
  return (KINDS as readonly string[]).includes(value);
}

export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export function deviceTopic(parts: TopicParts): string {
  return `${TOPIC_ROOT}/${parts.site}/${parts.kind}/${parts.deviceId}/${parts.channel}`;
}

/** The prefix a device owns, with trailing slash: everything it may publish starts with it. */
export function devicePrefix(address: DeviceAddress): string {
  return `${TOPIC_ROOT}/${address.site}/${address.kind}/${address.deviceId}/`;
}

export function parseTopic(topic: string): TopicParseResult {
  const levels = topic.split('/');
  if (levels[0] !== TOPIC_ROOT) return { ok: false, reason: 'not-fm-topic' };
  if (levels.length !== 5) return { ok: false, reason: 'wrong-depth' };
  const [, site, kind, deviceId, channel] = levels as [string, string, string, string, string];
  if (!isValidId(site)) return { ok: false, reason: 'bad-site' };
  if (!isKind(kind)) return { ok: false, reason: 'bad-kind' };
  if (!isValidId(deviceId)) return { ok: false, reason: 'bad-device-id' };
  if (!CHANNELS.includes(channel)) return { ok: false, reason: 'bad-channel' };
  return { ok: true, value: { site, kind, deviceId, channel: channel as Channel } };
}

/** Subscription filters for services: every site, kind and device, for the given channels. */
export function serviceFilters(channels: readonly DeviceChannel[] = DEVICE_CHANNELS): string[] {
  return channels.map((c) => `${TOPIC_ROOT}/+/+/+/${c}`);
}

/** Filter for one site's devices (rules workers split sites between them). */
export function siteFilter(site: string, channel: DeviceChannel | '+' = '+'): string {
  return `${TOPIC_ROOT}/${site}/+/+/${channel}`;
}

/** The command sender's subscription: every device's replies to commands. */
export function replyFilter(): string {
  return `${TOPIC_ROOT}/+/+/+/${REPLY_CHANNEL}`;
}
