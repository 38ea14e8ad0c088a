import type { Duplex } from 'node:stream';

export type FramingViolation = 'oversize-packet' | 'malformed-packet' | 'protocol-violation';

// Control packet types a client may send (MQTT 3.1.1 §2.2.1; 15 is MQTT 5 AUTH).
const FROM_CLIENT = new Set([1, 3, 4, 5, 6, 7, 8, 10, 12, 14, 15]);
const CONNECT = 1;

/**
 * Follows MQTT framing on the bytes a client sends, without parsing packets, so that a connection
 * is closed as soon as its fixed header announces something the broker will not accept: more than
 * `maxPacketBytes` (otherwise the parser would buffer up to 256 MB waiting for it), a remaining
 * length longer than 4 bytes [MQTT-2.2.3], anything before CONNECT or a second CONNECT
 * [MQTT-3.1.0-1, MQTT-3.1.0-2], or a packet only a server sends (CONNACK, SUBACK...).
 */
export class FrameGuard {
  #state: 'header' | 'length' | 'body' = 'header';
  #connected = false;
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  #remaining = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Returns the violation in `chunk`, or undefined when it is acceptable so far. */
  feed(chunk: Uint8Array): FramingViolation | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.#state === 'body') {
        const skip = Math.min(this.#remaining, chunk.length - i);
        this.#remaining -= skip;
        i += skip;
        if (this.#remaining === 0) this.#state = 'header';
        continue;
      }
      const byte = chunk[i++]!;
      if (this.#state === 'header') {
        const type = byte >> 4;
        if (!FROM_CLIENT.has(type)) return 'protocol-violation';
        if ((type === CONNECT) === this.#connected) return 'protocol-violation';
        this.#connected = true;
        this.#state = 'length';
        this.#length = 0;
        this.#multiplier = 1;
        this.#lengthBytes = 0;
        continue;
      }
      this.#length += (byte & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      this.#lengthBytes++;
      if (byte & 0x80) {
        if (this.#lengthBytes === 4) return 'malformed-packet';
        continue;
      }
      if (1 + this.#lengthBytes + this.#length > this.maxPacketBytes) return 'oversize-packet';
      this.#remaining = this.#length;
      this.#state = this.#remaining > 0 ? 'body' : 'header';
    }
    return undefined;
  }
}

/**
 * Puts a FrameGuard in front of aedes, which pulls bytes with `conn.read()`: wrapping that one
 * method checks every byte before the parser sees it, with no extra stream in the data path.
 */
export function guardConnection(
  conn: Duplex,
  maxPacketBytes: number,
  onViolation: (violation: FramingViolation) => void,
): void {
  const guard = new FrameGuard(maxPacketBytes);
  const read = conn.read.bind(conn);
  conn.read = (size?: number) => {
    const chunk = read(size);
    if (chunk === null || conn.destroyed) return chunk;
    const violation = guard.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (violation === undefined) return chunk;
    onViolation(violation);
    conn.destroy();
    return null;
  };
}
