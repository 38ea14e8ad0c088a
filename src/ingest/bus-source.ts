/**
 * The in-process side of ingest: when ingest runs in the platform's own process beside its broker,
 * it subscribes to the broker's message bus directly instead of connecting over MQTT. That saves,
 * per reading, the broker's serialisation and socket write, mqtt.js's parse and per-packet stream,
 * and the PUBACK round trip (bench/README-ingest.md has the figures).
 *
 * What it gives up is the persistent session, which in one process protects nothing: the broker
 * has acknowledged each QoS 1 publish before delivering it, and its sessions live in the same
 * memory as ingest's, so a crash of the process loses the same readings either way (those not yet
 * written or spooled). Backpressure is kept: a message's delivery ends only once ingest can take
 * more, which holds the broker's delivery gate and so the publishers' sockets.
 */
import type { LocalBus } from '../broker/index.ts';
import type { Logger } from '../log.ts';
import { serviceFilters } from '../protocol/index.ts';
import type { MessageSource, SourceHandlers } from './mqtt-source.ts';

const NO_ACK = () => {};

export async function startBusSource(
  bus: LocalBus,
  log: Logger,
  handlers: SourceHandlers,
): Promise<MessageSource> {
  const deliver: Parameters<LocalBus['subscribe']>[1] = (message, done) => {
    try {
      handlers.onMessage({
        topic: message.topic,
        payload: message.payload,
        dup: false,
        // Only live publishes reach a bus subscriber; retained ones are sent to new network subscriptions.
        retained: false,
        ack: NO_ACK,
      });
    } catch (err) {
      log.error({ err, topic: message.topic }, 'ingest message handler threw; reading not stored');
    }
    const wait = handlers.backpressure();
    if (wait) wait.then(done, done);
    else done();
  };
  // On a clustered broker every node's ingest sees every node's messages; each stores only what its
  // own node's clients published, so a reading is stored once, by the node its device is on.
  const unsubscribes = await Promise.all(
    serviceFilters().map((filter) => bus.subscribe(filter, deliver, { localOnly: true })),
  );
  log.info('ingest takes readings from the broker in this process');
  handlers.onConnectionChange?.(true);
  let ended: Promise<void> | undefined;
  // Messages the bus delivers until the unsubscribes complete are still handled, not dropped.
  const end = () => {
    ended ??= Promise.all(unsubscribes.map((u) => u())).then(() => handlers.onConnectionChange?.(false));
    return ended;
  };
  return { pause: end, stop: end };
}
