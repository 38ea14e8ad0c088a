import { PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, type Refusal } from './strict.ts';

/** What the broker waits for from the client for one of its QoS 1 or 2 messages. */
type Awaiting = typeof PUBACK | typeof PUBREC | typeof PUBCOMP;

/**
 * The QoS 1 and 2 messages the broker has sent a client and not yet seen acknowledged, learnt by
 * following the bytes written to the connection (aedes keeps this state in its persistence, out
 * of reach). An acknowledgement of the wrong kind for one of them (PUBREC for a QoS 1 message,
 * PUBACK for a QoS 2 one, PUBCOMP before PUBREC) is a protocol violation [MQTT-4.3.2, MQTT-4.3.3]:
 * aedes would answer it (a PUBREL for a QoS 1 message) and lose track of the message.
 * Acknowledgements for packet identifiers the broker is not waiting on are ignored, as mosquitto
 * does: after a reconnect or a resend a client may legitimately acknowledge twice.
 */
export class InflightAcks {
  readonly #awaiting = new Map<number, Awaiting>();
  // Framing of the outgoing stream; only PUBLISH (QoS 1, 2) and PUBREL identifiers are read.
  #state: 'header' | 'length' | 'topicLength' | 'topic' | 'id' | 'skip' = 'header';
  #type = 0;
  #qos = 0;
  #length = 0;
  #multiplier = 1;
  /** Bytes of the packet body not yet seen. */
  #remaining = 0;
  /** Bytes left in the current field (`topic`, or the 2-byte numbers). */
  #field = 0;
  #number = 0;

  /** Checks an acknowledgement the client sent; a refusal when it is of the wrong kind. */
  inbound(type: number, id: number): Refusal | undefined {
    const awaiting = this.#awaiting.get(id);
    if (awaiting === undefined || type === PUBREL) return undefined;
    // A PUBREC repeated after the broker's PUBREL is allowed: the PUBREL may have been lost.
    const fits = type === awaiting || (type === PUBREC && awaiting === PUBCOMP);
    if (!fits) return { reason: 'unexpected-ack', rule: 'MQTT-4.3.3', detail: { packetId: id } };
    if (type === PUBACK || type === PUBCOMP) this.#awaiting.delete(id);
    return undefined;
  }

  /** Follows a chunk written to the client. */
  outbound(chunk: Uint8Array | string, encoding?: BufferEncoding): void {
    if (typeof chunk === 'string') {
      // mqtt-packet writes topics and string payloads as strings: only their length matters here.
      const n = Buffer.byteLength(chunk, encoding);
      if ((this.#state === 'skip' || this.#state === 'topic') && n <= this.#field) {
        this.#skip(n);
        return;
      }
      chunk = Buffer.from(chunk, encoding);
    }
    let i = 0;
    while (i < chunk.length) {
      if (this.#state === 'skip' || this.#state === 'topic') {
        const n = Math.min(this.#field, chunk.length - i);
        this.#skip(n);
        i += n;
        continue;
      }
      const byte = chunk[i++]!;
      this.#remaining--;
      if (this.#state === 'header') {
        this.#type = byte >> 4;
        this.#qos = (byte >> 1) & 3;
        this.#state = 'length';
        this.#length = 0;
        this.#multiplier = 1;
      } else if (this.#state === 'length') {
        this.#length += (byte & 0x7f) * this.#multiplier;
        this.#multiplier *= 128;
        if (!(byte & 0x80)) this.#body();
      } else {
        this.#number = (this.#number << 8) | byte;
        if (--this.#field === 0) this.#numberRead();
      }
    }
  }

  #body(): void {
    this.#remaining = this.#length;
    const tracked = (this.#type === PUBLISH && this.#qos > 0) || this.#type === PUBREL;
    if (tracked && this.#length >= 2) this.#read(this.#type === PUBLISH ? 'topicLength' : 'id');
    else this.#toSkip();
  }

  #read(state: 'topicLength' | 'id'): void {
    this.#state = state;
    this.#field = 2;
    this.#number = 0;
  }

  #numberRead(): void {
    if (this.#state === 'topicLength') {
      this.#state = 'topic';
      this.#field = this.#number;
      if (this.#field === 0) this.#read('id');
      return;
    }
    this.#awaiting.set(this.#number, this.#type === PUBREL ? PUBCOMP : this.#qos === 1 ? PUBACK : PUBREC);
    this.#toSkip();
  }

  #skip(n: number): void {
    this.#field -= n;
    this.#remaining -= n;
    if (this.#field > 0) return;
    if (this.#state === 'topic') this.#read('id');
    else this.#state = 'header';
  }

  #toSkip(): void {
    this.#state = this.#remaining > 0 ? 'skip' : 'header';
    this.#field = this.#remaining;
  }
}
