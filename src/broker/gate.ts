import mqemitter, { type MQEmitter } from 'mqemitter';

/**
 * Messages the broker may hold between publishers and subscribers at once. Enough to keep two cores
 * busy; small enough that releasing them all synchronously (a subscriber disconnecting flushes its
 * pending writes) stays far from the stack limit, which mqemitter's recursive queue hits at a few
 * thousand (aedes issue #193).
 */
export const DELIVERY_LIMIT = 1000;

/**
 * Admission control in front of aedes's message bus. Bare aedes hands every parsed publish to
 * mqemitter at once and queues what it cannot deliver yet without bound; under overload its memory
 * climbs and a flush of the queue overflows the stack. Here a publish is authorized only while
 * fewer than `limit` messages are being delivered; the rest wait, so aedes stops reading their
 * sockets and TCP slows the publishers down. Nothing is dropped.
 */
export class DeliveryGate {
  readonly mq: MQEmitter;
  #inflight = 0;
  #waiting: (() => void)[] = [];
  #scheduled = false;

  constructor(
    readonly limit: number = DELIVERY_LIMIT,
    private readonly onHold: () => void = () => {},
    private readonly onInvalid: (message: { topic: string; qos?: unknown }) => void = () => {},
    /**
     * The bus to guard; a node-local mqemitter unless given (a cluster's shared bus, cluster.ts).
     * On a shared bus a message is out of delivery once Redis has taken it: the other nodes, and
     * this node's own subscribers, receive it from Redis, beyond this gate's reach.
     */
    shared?: MQEmitter,
  ) {
    // No concurrency limit in mqemitter itself: its queue is drained recursively, one stack frame
    // per queued message, and messages that do not pass through admit() (the broker's $SYS
    // notices, wills) would otherwise queue behind a full gate and overflow the stack when a
    // subscriber completes them synchronously. The gate alone bounds what is in delivery.
    const mq = shared ?? mqemitter({ concurrency: 0, matchEmptyLevels: true }); // as aedes's own [MQTT-4.7.1-3]
    const emit = mq.emit.bind(mq);
    mq.emit = (message, callback) => {
      // The bus is the one door every message passes, the broker's own included: nothing with a
      // QoS outside 0..2 [MQTT-3.3.1-4] may reach a subscriber, whose writer would fail on it.
      const qos = (message as { qos?: unknown }).qos;
      if (!(qos === undefined || qos === 0 || qos === 1 || qos === 2)) {
        this.onInvalid(message as { topic: string; qos?: unknown });
        callback?.(new Error(`QoS ${String(qos)} is not 0, 1 or 2`));
        return;
      }
      this.#inflight++;
      emit(message, (err) => {
        this.#inflight--;
        if (this.#waiting.length > 0) this.#schedule();
        callback?.(err);
      });
    };
    this.mq = mq;
  }

  /** Messages in delivery now. */
  get inflight(): number {
    return this.#inflight;
  }

  /** Resolves once no message is in delivery, or after `limitMs`. */
  async idle(limitMs: number): Promise<void> {
    const until = performance.now() + limitMs;
    while (this.#inflight > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
  }

  /** Publishes waiting for room. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `go` now if there is room, otherwise once deliveries have made room (in arrival order). */
  admit(go: () => void): void {
    if (this.#inflight < this.limit && this.#waiting.length === 0) {
      go();
      return;
    }
    this.onHold();
    this.#waiting.push(go);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // Released from a fresh stack, never from inside a delivery's callback chain.
    setImmediate(this.#release);
  }

  #release = (): void => {
    this.#scheduled = false;
    const room = this.limit - this.#inflight;
    if (room <= 0) return; // the next completed delivery schedules another release
    const batch = this.#waiting.splice(0, room);
    for (const go of batch) go();
  };
}
