import type { Client } from 'aedes';

type Deliver = (packet: unknown, done: () => void) => void;
type DeliveringClient = Client & {
  connackSent: boolean;
  closed: boolean;
  clean: boolean;
  deliverQoS: Deliver;
  deliver0: Deliver;
};

/** Deliveries waiting for their client's CONNACK. */
const held = new WeakMap<Client, { go(): void; drop(): void }[]>();

/**
 * [MQTT-3.2.0-1]: the first packet the server sends a client MUST be CONNACK. aedes restores a
 * persistent session's subscriptions before it sends the CONNACK and delivers at once whatever
 * matches in between; on a cluster a message can arrive in that gap (through Redis, milliseconds
 * late), went out ahead of the CONNACK, and the client (mqtt.js) dropped it or never saw the
 * CONNACK. Called before the CONNECT is handled (aedes `preConnect`): until the CONNACK is out,
 * the client's deliveries wait, in order, and `connackSent` lets them go; QoS 1/2 ones of a
 * persistent session are left to its queue. A client that never gets
 * its CONNACK has them completed undelivered after `limitMs`, so no delivery stays open.
 */
export function holdUntilConnack(client: Client, limitMs: number): void {
  const c = client as DeliveringClient;
  const hold =
    (deliver: Deliver, queued: boolean): Deliver =>
    (packet, done) => {
      if (c.connackSent) return deliver(packet, done);
      // A QoS 1/2 message for a persistent session was queued for it in the persistence before it
      // was put on the bus (aedes's enqueueOffline), and the queue is sent right after the CONNACK:
      // this live copy would only be a duplicate, out of order.
      if (queued && !c.clean && ((packet as { qos?: number }).qos ?? 0) > 0) return done();
      let queue = held.get(c);
      if (!queue) {
        queue = [];
        held.set(c, queue);
        setTimeout(() => connackSent(c, true), limitMs).unref();
      }
      queue.push({ go: () => (c.closed ? done() : deliver(packet, done)), drop: done });
    };
  c.deliverQoS = hold(c.deliverQoS, true);
  c.deliver0 = hold(c.deliver0, false);
}

/** The CONNACK is out: the held deliveries go, in order (at the time limit without one: dropped). */
export function connackSent(client: Client, expired = false): void {
  const queue = held.get(client);
  if (!queue) return;
  held.delete(client);
  const send = !expired || (client as DeliveringClient).connackSent;
  for (const d of queue) send ? d.go() : d.drop();
}
