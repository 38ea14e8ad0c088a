import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { InflightAcks } from './acks.ts';
import type { RefusalReason } from './counters.ts';
import { proxiedAddress } from './proxied.ts';
import {
  CONNECT,
  checkBody,
  checkHeader,
  PUBACK,
  PUBCOMP,
  PUBLISH,
  publishHeaderLength,
  type Refusal,
  type Session,
} from './strict.ts';

/**
 * Follows MQTT framing on the bytes a client sends and hands each packet to the checks of
 * strict.ts before aedes's parser sees it, so that a connection is closed as soon as it sends
 * something the broker will not accept: a fixed header announcing more than `maxPacketBytes`
 * (otherwise the parser would buffer up to 256 MB waiting for it), a remaining length longer than
 * 4 bytes [MQTT-2.2.3], anything before CONNECT or a second CONNECT [MQTT-3.1.0-1, MQTT-3.1.0-2],
 * a packet only a server sends, and every rule strict.ts checks. Only what the checks read is looked
 * at: a PUBLISH's variable header, never its payload; the whole of other packets.
 */
export class FrameGuard {
  readonly session: Session = {};
  #state: 'header' | 'length' | 'inspect' | 'skip' = 'header';
  #connected = false;
  #type = 0;
  #flags = 0;
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  /** Body bytes of the current packet not yet seen. */
  #remaining = 0;
  /**
   * Body bytes to inspect, and those received so far: views of the chunks (which aedes's parser
   * holds anyway until the packet is whole), so a client announcing a large packet and sending it
   * slowly makes the broker hold only what it has sent.
   */
  #want = 0;
  #parts: Uint8Array[] = [];
  #have = 0;

  constructor(
    private readonly maxPacketBytes: number,
    /** The broker's unacknowledged messages on this connection, to check acknowledgements against. */
    private readonly acks?: InflightAcks,
  ) {}

  /** Returns why `chunk` is refused, or undefined when it is acceptable so far. */
  feed(chunk: Uint8Array): Refusal | undefined {
    let i = 0;
    for (;;) {
      if (this.#state === 'inspect' && this.#have === this.#want) {
        const refusal = this.#inspected();
        if (refusal) return refusal;
        continue;
      }
      if (i >= chunk.length) return undefined;
      if (this.#state === 'skip') {
        const n = Math.min(this.#remaining, chunk.length - i);
        this.#remaining -= n;
        i += n;
        if (this.#remaining === 0) this.#state = 'header';
      } else if (this.#state === 'inspect') {
        const n = Math.min(this.#want - this.#have, chunk.length - i);
        this.#parts.push(chunk.subarray(i, i + n));
        this.#have += n;
        this.#remaining -= n;
        i += n;
      } else if (this.#state === 'header') {
        const byte = chunk[i++]!;
        this.#type = byte >> 4;
        this.#flags = byte & 0x0f;
        this.#state = 'length';
        this.#length = 0;
        this.#multiplier = 1;
        this.#lengthBytes = 0;
      } else {
        const byte = chunk[i++]!;
        this.#length += (byte & 0x7f) * this.#multiplier;
        this.#multiplier *= 128;
        this.#lengthBytes++;
        if (byte & 0x80) {
          if (this.#lengthBytes === 4) return { reason: 'malformed-packet', rule: 'MQTT-2.2.3' };
          continue;
        }
        if (1 + this.#lengthBytes + this.#length > this.maxPacketBytes)
          return { reason: 'oversize-packet', rule: 'maximum packet size', detail: { bytes: this.#length } };
        const refusal = checkHeader(this.#type, this.#flags, this.#length, this.#connected);
        if (refusal) return refusal;
        this.#state = 'inspect';
        this.#remaining = this.#length;
        this.#have = 0;
        this.#parts = [];
        // A PUBLISH is inspected up to the end of its variable header: first the topic's length.
        this.#want = this.#type === PUBLISH ? Math.min(2, this.#length) : this.#length;
        if (this.#type === PUBLISH && this.#length >= 2 && chunk.length - i >= 2)
          this.#want = publishHeaderLength(this.#flags, (chunk[i]! << 8) | chunk[i + 1]!, this.#length);
      }
    }
  }

  /** The inspected part of a packet is complete: grow a PUBLISH's to its variable header, or check it. */
  #inspected(): Refusal | undefined {
    const body = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts);
    if (this.#type === PUBLISH && this.#have === 2 && this.#length > 2) {
      const want = publishHeaderLength(this.#flags, (body[0]! << 8) | body[1]!, this.#length);
      if (want > 2) {
        this.#parts = [body];
        this.#want = want;
        return undefined;
      }
    }
    const refusal =
      checkBody(this.#type, this.#flags, body, this.session) ??
      (this.#type >= PUBACK && this.#type <= PUBCOMP
        ? this.acks?.inbound(this.#type, (body[0]! << 8) | body[1]!)
        : undefined);
    if (refusal) return refusal;
    if (this.#type === CONNECT) this.#connected = true;
    this.#state = this.#remaining > 0 ? 'skip' : 'header';
    this.#parts = [];
    return undefined;
  }
}

/** aedes's default: a connection that sends no CONNECT within this is closed (and counted). */
export const CONNECT_TIMEOUT_MS = 30_000;

/**
 * The client's address, for the log and the failed-authentication bans: of the TCP or TLS socket,
 * or of the one under the WebSocket; behind a proxy, the one its PROXY protocol header gave.
 */
export function remoteAddress(conn: unknown, req: IncomingMessage | undefined): string | undefined {
  const socket = req?.socket ?? (conn as Partial<Socket>);
  return proxiedAddress(socket) ?? socket.remoteAddress;
}

/** How long a refused client has to read its CONNACK before the connection is cut. */
const CONNACK_LINGER_MS = 1000;

/**
 * Puts a FrameGuard in front of aedes, which pulls bytes with `conn.read()`: wrapping that one
 * method checks every byte before the parser sees it, with no extra stream in the data path. A
 * refused connection is destroyed, after a CONNACK where the standard asks for one.
 */
export function guardConnection(
  conn: Duplex,
  req: IncomingMessage | undefined,
  maxPacketBytes: number,
  onRefusal: (reason: RefusalReason, clientId: string | undefined, detail: Record<string, unknown>) => void,
): void {
  const acks = new InflightAcks();
  const guard = new FrameGuard(maxPacketBytes, acks);
  const remote = remoteAddress(conn, req);
  const write = conn.write.bind(conn) as (chunk: unknown, encoding?: unknown, cb?: unknown) => boolean;
  conn.write = ((chunk: Uint8Array | string, encoding?: unknown, cb?: unknown) => {
    acks.outbound(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined);
    return write(chunk, encoding, cb);
  }) as Duplex['write'];
  const read = conn.read.bind(conn);
  let refused = false;
  conn.read = (size?: number) => {
    const chunk = read(size);
    if (chunk === null || conn.destroyed) return chunk;
    if (refused) return null; // waiting for the client to read its CONNACK: drop what it sends
    const refusal = guard.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (refusal === undefined) return chunk;
    refused = true;
    onRefusal(refusal.reason, guard.session.clientId, { rule: refusal.rule, remote, ...refusal.detail });
    if (refusal.connack === undefined) {
      conn.destroy();
      return null;
    }
    conn.end(Buffer.from([0x20, 2, 0, refusal.connack]));
    setTimeout(() => conn.destroy(), CONNACK_LINGER_MS).unref();
    return null;
  };
}
