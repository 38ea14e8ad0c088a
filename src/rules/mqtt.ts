/**
 * The rules service's MQTT side: the service session of src/mqtt-session.ts (persistent, QoS 1,
 * PUBACKs sent only once what a message caused is saved) and how that session is holding up.
 */
import type { Logger } from '../log.ts';
import { type Delivery, type MqttSession, openMqttSession, SessionHealth } from '../mqtt-session.ts';
import { DEVICE_CHANNELS, type DeviceChannel, serviceFilters, siteFilter } from '../protocol/index.ts';

export interface RulesMqtt {
  url: string;
  username: string;
  password: string;
  /** Fixed, so the broker keeps the session (and queues QoS 1 messages) while rules is down. */
  clientId: string;
}

export type { Delivery } from '../mqtt-session.ts';

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
