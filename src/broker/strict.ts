/**
 * MQTT 3.1.1's rules for what a client sends, checked on the raw packet before aedes parses it.
 * aedes and its parser accept much that the standard says a server MUST refuse (a will with QoS 3,
 * invalid UTF-8, malformed acknowledgements, reserved flags, invalid topic filters...); each rule
 * here closes the connection, as the standard requires and mosquitto does. FrameGuard (framing.ts)
 * feeds the packets in; this file only judges them.
 */
import type { RefusalReason } from './counters.ts';
import { topicFilterProblem, topicNameProblem, utf8Problem } from './mqtt-text.ts';

export interface Refusal {
  reason: RefusalReason;
  /** The normative statement broken, as the standard numbers it: `MQTT-3.3.1-4`. */
  rule: string;
  /** Answer with this CONNACK return code before closing, where the standard asks for one. */
  connack?: 1 | 2;
  detail?: Record<string, unknown>;
}

/** What the checks remember about a connection. */
export interface Session {
  /** The client id of the CONNECT, once read (for the log). */
  clientId?: string;
}

export const CONNECT = 1;
export const PUBLISH = 3;
export const PUBACK = 4;
export const PUBREC = 5;
export const PUBREL = 6;
export const PUBCOMP = 7;
export const SUBSCRIBE = 8;
export const UNSUBSCRIBE = 10;
export const PINGREQ = 12;
export const DISCONNECT = 14;

/**
 * The fixed-header flags of every packet a client may send, PUBLISH apart [MQTT-2.2.2-1,
 * MQTT-2.2.2-2]. AUTH (15) is MQTT 5's and absent: this broker speaks 3.1.1.
 */
const FLAGS = new Map([
  [CONNECT, 0],
  [PUBACK, 0],
  [PUBREC, 0],
  [PUBREL, 2],
  [PUBCOMP, 0],
  [SUBSCRIBE, 2],
  [UNSUBSCRIBE, 2],
  [PINGREQ, 0],
  [DISCONNECT, 0],
]);

const malformed = (rule: string): Refusal => ({ reason: 'malformed-packet', rule });

/** Checks a fixed header once its remaining length is known; `connected` once CONNECT has passed. */
export function checkHeader(
  type: number,
  flags: number,
  length: number,
  connected: boolean,
): Refusal | undefined {
  if (type !== PUBLISH && !FLAGS.has(type)) return { reason: 'protocol-violation', rule: 'MQTT-2.2.1' };
  if ((type === CONNECT) === connected)
    return { reason: 'protocol-violation', rule: connected ? 'MQTT-3.1.0-2' : 'MQTT-3.1.0-1' };
  if (type === PUBLISH) {
    const qos = (flags >> 1) & 3;
    if (qos === 3) return { reason: 'invalid-qos', rule: 'MQTT-3.3.1-4' };
    if (qos === 0 && flags & 8) return malformed('MQTT-3.3.1-2'); // DUP on a QoS 0 message
    return undefined;
  }
  if (FLAGS.get(type) !== flags) return { reason: 'reserved-flags', rule: 'MQTT-2.2.2-2' };
  // Acknowledgements carry exactly a packet identifier (§3.4-3.7); PINGREQ and DISCONNECT nothing.
  if (type >= PUBACK && type <= PUBCOMP && length !== 2) return malformed('MQTT-3.4.2');
  if ((type === PINGREQ || type === DISCONNECT) && length !== 0) return malformed('MQTT-3.12.1');
  return undefined;
}

/**
 * How much of a PUBLISH's body to inspect: its variable header (topic, packet identifier), never
 * the payload. `topicLength` is read from the body's first two bytes.
 */
export function publishHeaderLength(flags: number, topicLength: number, length: number): number {
  return Math.min(length, 2 + topicLength + (flags & 6 ? 2 : 0));
}

/** A cursor over a packet body; every read returns undefined past the end. */
class Cursor {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  get left(): number {
    return this.buf.length - this.pos;
  }
  u8(): number | undefined {
    return this.pos < this.buf.length ? this.buf[this.pos++] : undefined;
  }
  u16(): number | undefined {
    if (this.left < 2) return undefined;
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  /** A length-prefixed string or binary field (§1.5.3). */
  field(): Uint8Array | undefined {
    const n = this.u16();
    if (n === undefined || this.left < n) return undefined;
    this.pos += n;
    return this.buf.subarray(this.pos - n, this.pos);
  }
}

const MQTT = Buffer.from('MQTT');
const MQISDP = Buffer.from('MQIsdp');

function checkConnect(body: Uint8Array, session: Session): Refusal | undefined {
  const r = new Cursor(body);
  const name = r.field();
  const level = r.u8();
  if (!name || level === undefined) return malformed('MQTT-3.1.2-1');
  const isMqtt = MQTT.equals(name);
  // A protocol name other than MQTT (3.1.1) or MQIsdp (3.1): close without CONNACK [MQTT-3.1.2-1].
  if (!isMqtt && !MQISDP.equals(name)) return malformed('MQTT-3.1.2-1');
  // Any other level, MQTT 5 included: CONNACK 1, unacceptable protocol version [MQTT-3.1.2-2].
  if (level !== (isMqtt ? 4 : 3))
    return {
      reason: 'unsupported-protocol',
      rule: 'MQTT-3.1.2-2',
      connack: 1,
      detail: { protocolLevel: level },
    };
  const flags = r.u8();
  if (flags === undefined || r.u16() === undefined) return malformed('MQTT-3.1.2');
  const clientId = r.field();
  if (!clientId) return malformed('MQTT-3.1.3-3');
  const idRule = utf8Problem(clientId);
  if (idRule) return { reason: 'invalid-utf8', rule: idRule };
  // Known from here on, so that the log names the client whatever else is wrong.
  session.clientId = Buffer.from(clientId).toString();

  if (flags & 0x01) return { reason: 'reserved-flags', rule: 'MQTT-3.1.2-3' };
  const will = (flags & 0x04) !== 0;
  const willQos = (flags >> 3) & 3;
  if (!will && (willQos !== 0 || flags & 0x20)) return malformed('MQTT-3.1.2-11');
  if (will && willQos === 3) return { reason: 'invalid-qos', rule: 'MQTT-3.1.2-14' };
  if (flags & 0x40 && !(flags & 0x80)) return malformed('MQTT-3.1.2-22');
  if (will) {
    const topic = r.field();
    if (!topic || !r.field()) return malformed('MQTT-3.1.2-9');
    const problem = topicNameProblem(topic);
    if (problem) return problem;
  }
  if (flags & 0x80) {
    const username = r.field();
    if (!username) return malformed('MQTT-3.1.2-19');
    const rule = utf8Problem(username);
    if (rule) return { reason: 'invalid-utf8', rule };
  }
  if (flags & 0x40 && !r.field()) return malformed('MQTT-3.1.2-21');
  // Anything after the fields the flags announce, e.g. a user name without its flag [MQTT-3.1.2-18].
  if (r.left > 0) return malformed('MQTT-3.1.2-18');
  // An empty client id needs a clean session [MQTT-3.1.3-8]; MQTT 3.1 required 1 to 23 characters.
  if (clientId.length === 0 && (!isMqtt || !(flags & 0x02)))
    return { reason: 'client-id-rejected', rule: isMqtt ? 'MQTT-3.1.3-8' : 'MQTT 3.1 §3.1', connack: 2 };
  return undefined;
}

/** Every PUBLISH comes here, so no cursor: `head` is its variable header (publishHeaderLength). */
function checkPublish(flags: number, head: Uint8Array): Refusal | undefined {
  const end = head.length >= 2 ? 2 + ((head[0]! << 8) | head[1]!) : Number.POSITIVE_INFINITY;
  const idLength = flags & 6 ? 2 : 0;
  if (end + idLength > head.length) return malformed('MQTT-3.3.2'); // shorter than its own topic
  if (idLength && head[end] === 0 && head[end + 1] === 0)
    return { reason: 'invalid-packet-id', rule: 'MQTT-2.3.1-1' };
  return topicNameProblem(head, 2, end);
}

function checkSubscriptions(type: number, body: Uint8Array): Refusal | undefined {
  const r = new Cursor(body);
  const id = r.u16();
  if (id === undefined) return malformed('MQTT-2.3.1');
  if (id === 0) return { reason: 'invalid-packet-id', rule: 'MQTT-2.3.1-1' };
  // At least one topic filter [MQTT-3.8.3-3, MQTT-3.10.3-2].
  if (r.left === 0) return malformed(type === SUBSCRIBE ? 'MQTT-3.8.3-3' : 'MQTT-3.10.3-2');
  while (r.left > 0) {
    const filter = r.field();
    if (!filter) return malformed('MQTT-1.5.3');
    const problem = topicFilterProblem(filter);
    if (problem) return problem;
    if (type === SUBSCRIBE) {
      const options = r.u8();
      if (options === undefined) return malformed('MQTT-3.8.3-1');
      // Requested QoS 0-2, the six bits above it reserved [MQTT-3-8.3-4].
      if (options & 0xfc) return { reason: 'reserved-flags', rule: 'MQTT-3-8.3-4' };
      if (options === 3) return { reason: 'invalid-qos', rule: 'MQTT-3-8.3-4' };
    }
  }
  return undefined;
}

/**
 * Checks a packet's inspected body: all of it, except for PUBLISH (its variable header, see
 * publishHeaderLength).
 */
export function checkBody(
  type: number,
  flags: number,
  body: Uint8Array,
  session: Session,
): Refusal | undefined {
  switch (type) {
    case CONNECT:
      return checkConnect(body, session);
    case PUBLISH:
      return checkPublish(flags, body);
    case SUBSCRIBE:
    case UNSUBSCRIBE:
      return checkSubscriptions(type, body);
    case PUBACK:
    case PUBREC:
    case PUBREL:
    case PUBCOMP:
      // Packet identifiers are non-zero [MQTT-2.3.1-1].
      return body[0] === 0 && body[1] === 0
        ? { reason: 'invalid-packet-id', rule: 'MQTT-2.3.1-1' }
        : undefined;
    default:
      return undefined;
  }
}
