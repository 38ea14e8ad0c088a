/**
 * What the runner changes in a sequence so that it can pass on a broker that authenticates and
 * applies a topic ACL, without changing what the sequence tests:
 *
 * - a CONNECT that the corpus expects to be accepted (the next step receives CONNACK 0) gets the
 *   runner's credentials: client id, username and password replaced, everything else kept. An
 *   empty client id is kept empty (the sequence is about it);
 * - topics and filters in well-formed PUBLISH, SUBSCRIBE and UNSUBSCRIBE packets (sent, and
 *   expected back) are moved under a namespace of the sequence's own, so that sequences running at
 *   once never see each other's messages and the ACL lets a service use them. The bytes a sequence
 *   is about (NUL, invalid UTF-8, wildcards, empty topics) are kept as they are.
 *
 * A packet that does not parse is sent exactly as the corpus has it.
 */
import { type Identity, packet, remainingLength, str } from './sequences.ts';

export interface Substitution {
  /** Credentials for the sequence's own connection (`helper` for the publishing helper). */
  identity(index: number, role: 'subject' | 'helper'): Identity;
  /** The topic or filter `topic` of sequence `index` as the target broker should see it. */
  topic(index: number, topic: Buffer): Buffer;
}

/** Reads a fixed header; undefined unless `bytes` is exactly one packet. */
function split(bytes: Buffer): { header: number; body: Buffer } | undefined {
  let length = 0;
  let multiplier = 1;
  let i = 1;
  for (; i < 5 && i < bytes.length; i++) {
    length += (bytes[i]! & 0x7f) * multiplier;
    multiplier *= 128;
    if ((bytes[i]! & 0x80) === 0) break;
  }
  if (i >= 5 || i >= bytes.length) return undefined;
  const body = bytes.subarray(i + 1);
  return body.length === length ? { header: bytes[0]!, body } : undefined;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  u8(): number | undefined {
    return this.pos < this.buf.length ? this.buf[this.pos++] : undefined;
  }
  u16(): number | undefined {
    if (this.pos + 2 > this.buf.length) return undefined;
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  bytes(n: number): Buffer | undefined {
    if (this.pos + n > this.buf.length) return undefined;
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  str(): Buffer | undefined {
    const n = this.u16();
    return n === undefined ? undefined : this.bytes(n);
  }
  /** An MQTT 5 property block, returned with its length prefix. */
  properties(): Buffer | undefined {
    const start = this.pos;
    let length = 0;
    let multiplier = 1;
    for (let k = 0; k < 4; k++) {
      const b = this.u8();
      if (b === undefined) return undefined;
      length += (b & 0x7f) * multiplier;
      multiplier *= 128;
      if ((b & 0x80) === 0) return this.bytes(length) && this.buf.subarray(start, this.pos);
    }
    return undefined;
  }
  get rest(): Buffer {
    return this.buf.subarray(this.pos);
  }
}

/** Parses a CONNECT; undefined unless it is complete with nothing left over. */
export function parseConnect(bytes: Buffer) {
  const p = split(bytes);
  if (p?.header !== 0x10) return undefined;
  const r = new Reader(p.body);
  const name = r.str();
  const level = r.u8();
  const flags = r.u8();
  const keepalive = r.u16();
  if (name === undefined || level === undefined || flags === undefined || keepalive === undefined) return;
  const v5 = level === 5;
  const properties = v5 ? r.properties() : Buffer.alloc(0);
  const clientId = r.str();
  if (!properties || !clientId) return undefined;
  let will: { properties: Buffer; topic: Buffer; payload: Buffer } | undefined;
  if (flags & 0x04) {
    const wp = v5 ? r.properties() : Buffer.alloc(0);
    const topic = r.str();
    const payload = r.str();
    if (!wp || !topic || !payload) return undefined;
    will = { properties: wp, topic, payload };
  }
  const username = flags & 0x80 ? r.str() : undefined;
  const password = flags & 0x40 ? r.str() : undefined;
  if ((flags & 0x80 && !username) || (flags & 0x40 && !password) || r.rest.length > 0) return undefined;
  return { name, level, flags, keepalive, properties, clientId, will, username, password };
}

/** The CONNECT with the runner's credentials, or undefined when it does not parse. */
export function withCredentials(
  bytes: Buffer,
  id: Identity,
  mapTopic: (t: Buffer) => Buffer,
): Buffer | undefined {
  const c = parseConnect(bytes);
  if (!c) return undefined;
  let flags = c.flags & 0x3f;
  if (id.username !== undefined) flags |= 0x80;
  if (id.password !== undefined) flags |= 0x40;
  const parts = [str(c.name), Buffer.from([c.level, flags, c.keepalive >> 8, c.keepalive & 0xff])];
  parts.push(c.properties, str(c.clientId.length === 0 ? c.clientId : id.clientId));
  if (c.will) parts.push(c.will.properties, str(mapTopic(c.will.topic)), str(c.will.payload));
  if (id.username !== undefined) parts.push(str(id.username));
  if (id.password !== undefined) parts.push(str(id.password));
  return packet(0x10, Buffer.concat(parts));
}

/** `bytes` with the topic (PUBLISH) or every filter (SUBSCRIBE, UNSUBSCRIBE) mapped. */
export function withTopics(bytes: Buffer, v5: boolean, mapTopic: (t: Buffer) => Buffer): Buffer {
  const p = split(bytes);
  if (!p) return bytes;
  const type = p.header >> 4;
  const r = new Reader(p.body);
  if (type === 3) {
    const topic = r.str();
    if (!topic) return bytes;
    return packet(p.header, Buffer.concat([str(mapTopic(topic)), r.rest]));
  }
  if (type !== 8 && type !== 10) return bytes;
  const head = r.bytes(2);
  const properties = v5 ? r.properties() : Buffer.alloc(0);
  if (!head || !properties) return bytes;
  const parts = [head, properties];
  while (r.rest.length > 0) {
    const start = r.pos;
    const filter = r.str();
    const options = type === 8 ? r.u8() : 0;
    if (!filter || options === undefined) {
      parts.push(r.buf.subarray(start)); // a truncated entry stays as the corpus has it
      break;
    }
    parts.push(str(mapTopic(filter)));
    if (type === 8) parts.push(Buffer.from([options]));
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([p.header]), remainingLength(body.length), body]);
}

const PLAIN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Moves topic `t` of sequence `index` under `fm/c<index>/`: a plain one-level name becomes a device
 * command topic (which a service may publish and subscribe to); anything else keeps its bytes after
 * the prefix, wildcards and invalid characters included. `$share/<group>/` stays in front.
 */
export function namespaced(index: number, t: Buffer): Buffer {
  if (t.length === 0) return t;
  const s = t.toString('latin1');
  const share = /^\$share\/[^/]*\//.exec(s);
  if (share)
    return Buffer.concat([t.subarray(0, share[0].length), namespaced(index, t.subarray(share[0].length))]);
  if (PLAIN.test(s)) return Buffer.from(`fm/c${index}/lift/${s}/command`);
  return Buffer.concat([Buffer.from(`fm/c${index}/`), t]);
}
