/**
 * How a delivered message reaches the engine (docs/rules.md): decoded by the contract (a refusal is
 * counted and acknowledged, never retried), acted on only when this worker holds its site, and, from
 * a device registered since the last registry reload, held back with the messages after it until
 * the registry is read again, so they are all still handled in the order they came.
 */
import type { Logger } from '../log.ts';
import { type DecodedMessage, decode } from '../protocol/index.ts';
import type { Delivery } from './mqtt.ts';

/** Shortest time between registry reloads caused by messages from unknown devices. */
export const UNKNOWN_RELOAD_MS = 5000;

export interface IntakeDeps {
  log: Logger;
  count(name: string, n?: number): void;
  now: () => number;
  /** Whether this worker acts on the message's site (scope.ts). */
  admit(message: DecodedMessage): boolean;
  /** Whether the device is in the registry as last loaded. */
  known(deviceId: string): boolean;
  /** Reloads the registry. */
  refresh(): Promise<void>;
  /** Hands an admitted message on; the delivery is acknowledged once what it caused is done. */
  handle(delivery: Delivery, message: DecodedMessage): void;
}

/** The message handler for the source (MQTT or the broker's bus). */
export function createIntake(deps: IntakeDeps): (d: Delivery) => void {
  const { log, count, now } = deps;
  let waiting: [Delivery, DecodedMessage][] | undefined;
  let lastUnknownReload = Number.NEGATIVE_INFINITY;
  return (d) => {
    count('messages');
    const r = decode(d.topic, d.payload);
    if (!r.ok) {
      // Bad input is data: counted, acknowledged, never retried.
      count('rejected');
      log.debug({ topic: d.topic, reason: r.reason }, 'message refused by the contract');
      d.ack();
      return;
    }
    if (!deps.admit(r.message)) {
      d.ack();
      return;
    }
    // A device registered since the last reload (API, CLI): reload now, holding later messages
    // back meanwhile so they are still handled in order. At most once per UNKNOWN_RELOAD_MS.
    if (waiting || (!deps.known(r.message.deviceId) && now() - lastUnknownReload > UNKNOWN_RELOAD_MS)) {
      if (!waiting) {
        lastUnknownReload = now();
        waiting = [];
        void deps.refresh().finally(() => {
          const held = waiting ?? [];
          waiting = undefined;
          for (const [delivery, message] of held) deps.handle(delivery, message);
        });
      }
      waiting.push([d, r.message]);
      return;
    }
    deps.handle(d, r.message);
  };
}
