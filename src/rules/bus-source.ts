/**
 * Rules beside its own broker (`facility start`): it subscribes to the broker's bus in this process
 * instead of a second MQTT hop back to the same process, as ingest does (src/ingest/bus-source.ts
 * says what that gives up: a persistent session, which in one process protects nothing, since the
 * broker's sessions die with it). The bus's delivery ends at once: rules keeps no socket to slow down. On the bus rules stops after
 * the broker (src/platform.ts), so nothing reaches it that it would not save.
 */
import type { LocalBus } from '../broker/index.ts';
import type { Logger } from '../log.ts';
import type { Delivery, MqttSession, SessionHealth } from '../mqtt-session.ts';

const NO_ACK = () => {};

export async function subscribeRulesBus(
  bus: LocalBus,
  filters: readonly string[],
  log: Logger,
  onMessage: (d: Delivery) => void,
  session: SessionHealth,
): Promise<MqttSession> {
  const deliver: Parameters<LocalBus['subscribe']>[1] = (message, done) => {
    try {
      // Only live publishes reach a bus subscriber; retained ones go to new network subscriptions.
      onMessage({ topic: message.topic, payload: message.payload, dup: false, retained: false, ack: NO_ACK });
    } catch (err) {
      log.error({ err, topic: message.topic }, 'rules message handler threw; message dropped');
    }
    done();
  };
  const unsubscribes = await Promise.all(filters.map((f) => bus.subscribe(f, deliver)));
  session.up();
  log.info('rules takes messages from the broker in this process');
  let ended: Promise<void> | undefined;
  // Messages the bus delivers until the unsubscribes complete are still handled, not dropped.
  const end = () => {
    ended ??= Promise.all(unsubscribes.map((u) => u())).then(() => session.lost());
    return ended;
  };
  return { pause: end, stop: end };
}
