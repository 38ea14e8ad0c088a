/**
 * Refused messages, kept where an operator can look at them (CLI, API): the last N with topic, raw
 * bytes (truncated), reason and time. Bounded, so a device spraying garbage costs a fixed amount
 * of memory.
 */

export interface RejectedMessage {
  /** Receive time, epoch ms. */
  at: number;
  /** Topic as received, truncated to 256 characters. */
  topic: string;
  reason: string;
  /** What exactly failed (zod's message, the registered site/kind...). */
  detail: string;
  /** Payload size as received, bytes. */
  bytes: number;
  /** The first bytes of the payload, base64, so binary garbage survives JSON. */
  payloadBase64: string;
  /** The same bytes as text (invalid UTF-8 replaced), for reading. */
  payloadText: string;
}

export class RejectLog {
  readonly #ring: (RejectedMessage | undefined)[];
  #next = 0;

  constructor(
    readonly capacity: number,
    readonly bytesKept: number,
  ) {
    this.#ring = new Array(Math.max(1, capacity));
  }

  add(at: number, topic: string, payload: Uint8Array, reason: string, detail: string): RejectedMessage {
    const kept = Buffer.from(
      payload.buffer,
      payload.byteOffset,
      Math.min(payload.byteLength, this.bytesKept),
    );
    const entry: RejectedMessage = {
      at,
      topic: topic.slice(0, 256),
      reason,
      detail: detail.slice(0, 500),
      bytes: payload.byteLength,
      payloadBase64: kept.toString('base64'),
      payloadText: kept.toString('utf8'),
    };
    this.#ring[this.#next % this.#ring.length] = entry;
    this.#next++;
    return entry;
  }

  /** Newest first. */
  list(): RejectedMessage[] {
    const out: RejectedMessage[] = [];
    for (let i = 1; i <= this.#ring.length; i++) {
      const e = this.#ring[(this.#next - i + this.#ring.length * 2) % this.#ring.length];
      if (e && this.#next - i >= 0) out.push(e);
    }
    return out;
  }
}
