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
 * The last REMEMBERED messages handed to one client, by node and number: a Set for the lookup and a
 * ring, oldest first, that grows with what the client is handed (most devices are handed a command
 * now and then, so nothing is allocated up front).
 */
class Handed {
  readonly #seen = new Set<string>();
  readonly #ring: string[] = [];
  #oldest = 0;

  /** Remembers `key`; false when it was already remembered. */
  add(key: string): boolean {
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    if (this.#ring.length < REMEMBERED) this.#ring.push(key);
    else {
      this.#seen.delete(this.#ring[this.#oldest]!);
      this.#ring[this.#oldest] = key;
      this.#oldest = (this.#oldest + 1) % REMEMBERED;
    }
    return true;
  }
}

/** Each connected client's memory, for its session's queue as well as its live deliveries. */
const handed = new WeakMap<object, Handed>();

/** A message's identity across the cluster; none for one without a node (retained, sent at SUBSCRIBE). */
function keyOf({ brokerId, brokerCounter }: Delivered): string | undefined {
  return brokerId && brokerCounter !== undefined ? `${brokerId}:${brokerCounter}` : undefined;
}

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
  const memory = new Handed();
  handed.set(c, memory);
  const exact =
    (deliver: Deliver, qos: boolean): Deliver =>
    (packet, done) => {
      const { brokerId, brokerCounter, qos: packetQos } = packet as Delivered;
      const key = keyOf(packet as Delivered);
      // `deliverQoS` hands a QoS 0 message to `deliver0`, which checks it.
      if (brokerId && key && (!qos || packetQos !== 0)) {
        if (memory.add(key)) delete c.duplicates[brokerId];
        else c.duplicates[brokerId] = brokerCounter!;
      }
      deliver(packet, done);
    };
  c.deliverQoS = exact(c.deliverQoS, true);
  c.deliver0 = exact(c.deliver0, false);
}

type QueuedStream = (client: object) => AsyncIterable<Delivered>;

/**
 * A resuming persistent session's queue is written to its client directly (aedes
 * handlers/connect.js, emptyQueue), past the check above. A message published just before the
 * client came back is both queued (aedes queues a QoS 1 message for persistent sessions before it
 * puts it on the bus) and, once the session's subscriptions are restored, delivered live: the
 * client got it twice. The queue as the broker reads it now skips a message its client was already
 * handed live (that copy's PUBACK clears it from the queue) and remembers the ones it sends, so
 * that a live copy arriving after them is dropped instead.
 */
export function queueOnceBesideLive(persistence: { outgoingStream: QueuedStream }): void {
  const stream = persistence.outgoingStream.bind(persistence);
  persistence.outgoingStream = async function* once(client) {
    const memory = handed.get(client);
    for await (const packet of stream(client)) {
      const key = keyOf(packet);
      if (!memory || !key || memory.add(key)) yield packet;
    }
  };
}
