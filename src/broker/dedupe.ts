import type { Client } from 'aedes';

type Deliver = (packet: unknown, done: () => void) => void;
type Delivered = { brokerId?: string | null; brokerCounter?: number | string; qos?: number };
type DedupingClient = Client & {
  duplicates: Record<string, number | string>;
  deliverQoS: Deliver;
  deliver0: Deliver;
};

/** How many messages a client remembers having been handed, to know a second copy of one. */
export const REMEMBERED = 2048;

/**
 * Every message goes to a client once, whatever order messages reach it in.
 *
 * aedes hands a message to a client once per matching subscription (`a/#` and `a/b` both match
 * `a/b`), and drops the copies with `dedupe` (lib/client.js): a message is dropped unless its
 * counter is above the highest the client has had from the same node. That assumes a node's
 * messages reach delivery in counter order, and they do not. A node numbers a message when it
 * takes it, then waits on the persistence before putting it on the bus: a retained message waits
 * on one write more than a plain one, a QoS 1 message for persistent sessions on one more than a
 * QoS 0 one, and on a cluster each write is a Redis round trip. So a device's retained `status`
 * (or its will) overtaken by a reading published just after it was dropped for every subscriber
 * that had the reading: on clustered aedes, every time (moscajs/aedes#955 and #994 report the same
 * for single nodes).
 *
 * Here a client remembers the last `REMEMBERED` messages it was handed, by node and counter, and
 * aedes's own check is told the answer before it runs: a message seen before looks like an old
 * counter (so aedes takes its own path for a copy, clearing a persistent session's queue entry),
 * an unseen one like a new counter. Called at `preConnect`, before any subscription captures the
 * client's delivery functions.
 */
export function dedupeExactly(client: Client): void {
  const c = client as DedupingClient;
  // The keys, and the same keys oldest first in a ring that grows to REMEMBERED with what the client
  // is handed (most devices are handed a command now and then, so nothing is allocated up front).
  const seen = new Set<string>();
  const ring: string[] = [];
  let oldest = 0;
  const exact =
    (deliver: Deliver, qos: boolean): Deliver =>
    (packet, done) => {
      const { brokerId, brokerCounter, qos: packetQos } = packet as Delivered;
      // Without a node (retained messages sent at SUBSCRIBE) aedes does not dedupe either, and
      // `deliverQoS` hands a QoS 0 message to `deliver0`, which checks it.
      if (brokerId && brokerCounter !== undefined && (!qos || packetQos !== 0)) {
        const key = `${brokerId}:${brokerCounter}`;
        if (seen.has(key)) c.duplicates[brokerId] = brokerCounter;
        else {
          delete c.duplicates[brokerId];
          seen.add(key);
          if (ring.length < REMEMBERED) ring.push(key);
          else {
            seen.delete(ring[oldest]!);
            ring[oldest] = key;
            oldest = (oldest + 1) % REMEMBERED;
          }
        }
      }
      deliver(packet, done);
    };
  c.deliverQoS = exact(c.deliverQoS, true);
  c.deliver0 = exact(c.deliver0, false);
}
