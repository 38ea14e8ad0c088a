import { isIPv4, isIPv6 } from 'node:net';

/**
 * The PROXY protocol header a load balancer (HAProxy's `send-proxy` and `send-proxy-v2`) writes
 * at the start of each connection it opens to a backend, before the client's own bytes, to say
 * whose connection it is. Versions 1 (a text line) and 2 (binary), as HAProxy's specification
 * "The PROXY protocol" (doc/proxy-protocol.txt, versions 1 and 2) defines them.
 *
 * Parsed here rather than by an npm package: the pure-JS ones on the registry
 * (proxy-protocol-js, @balena/proxy-protocol-parser) parse a header handed to them whole and cannot
 * say "not complete yet, need more bytes", which is what a header split over TCP chunks needs, and
 * findhit-proxywrap replaces Node's server classes. The format is small and fully specified.
 */

export interface Endpoint {
  address: string;
  port: number;
}

export type ProxyHeader =
  /** Too few bytes yet to tell. */
  | { kind: 'more' }
  /**
   * A complete, valid header. `source` is the client's endpoint; absent when the header names none
   * (v2 LOCAL: the proxy's own health check; v1 UNKNOWN; v2 UNSPEC or UNIX): the spec then has
   * the receiver use the connection's real endpoints. `rest` is what followed the header.
   */
  | { kind: 'done'; version: 1 | 2; source?: Endpoint; rest: Buffer }
  | { kind: 'invalid'; error: string };

/** §2.2: "\r\n\r\n\0\r\nQUIT\n", chosen so that no valid text protocol (MQTT included) starts with it. */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** §2.2: the fixed part, the signature and four bytes (version and command, family, length). */
const V2_FIXED = 16;
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** §2.1: the longest v1 line, "PROXY UNKNOWN" and two full IPv6 endpoints, CRLF included. */
const V1_MAX = 107;

const MORE: ProxyHeader = { kind: 'more' };

/** Whether `bytes` could still be the start of `prefix` (or starts with all of it). */
function startsLike(bytes: Buffer, prefix: Buffer): boolean {
  const n = Math.min(bytes.length, prefix.length);
  return bytes.subarray(0, n).equals(prefix.subarray(0, n));
}

/**
 * Reads one header from the bytes of a connection as they arrive, in chunks of any size. A
 * connection is refused at the first byte that no header can start with (§2: a receiver must not
 * guess; MQTT's CONNECT starts with 0x10, neither 'P' nor '\r'), so a client that skipped the
 * proxy is told at once rather than at the timeout.
 */
export class ProxyHeaderReader {
  #parts: Buffer[] = [];
  #have = 0;
  /** A v2 header's whole length, once its fixed part has been read. */
  #need = 0;

  feed(chunk: Buffer): ProxyHeader {
    this.#parts.push(chunk);
    this.#have += chunk.length;
    if (this.#have < this.#need) return MORE; // a v2 header's addresses and TLVs, still coming
    const bytes = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts);
    this.#parts = [bytes];
    if (startsLike(bytes, V2_SIGNATURE)) return bytes.length < V2_FIXED ? MORE : this.#v2(bytes);
    if (startsLike(bytes, V1_PREFIX)) return bytes.length < V1_PREFIX.length ? MORE : v1(bytes);
    return {
      kind: 'invalid',
      error: 'no PROXY protocol header: the connection did not come through the proxy',
    };
  }

  /** §2.2: version 2, command LOCAL or PROXY, then an address block and TLVs of the length given. */
  #v2(bytes: Buffer): ProxyHeader {
    const version = bytes[12]! >> 4;
    const command = bytes[12]! & 0x0f;
    if (version !== 2) return invalid(`PROXY protocol v2 header of version ${version}`);
    if (command > 1) return invalid(`PROXY protocol v2 command ${command} (0 LOCAL and 1 PROXY exist)`);
    this.#need = V2_FIXED + bytes.readUInt16BE(14);
    if (bytes.length < this.#need) return MORE;
    const rest = bytes.subarray(this.#need);
    // LOCAL: a connection the proxy opened itself (HAProxy's health checks); the address block, if
    // any, is to be ignored and the connection's real endpoints used.
    if (command === 0) return { kind: 'done', version: 2, rest };
    const family = bytes[13]! >> 4;
    const transport = bytes[13]! & 0x0f;
    const block = bytes.subarray(V2_FIXED, this.#need);
    // AF_UNSPEC and AF_UNIX say nothing of a network client: the real endpoints are used (§2.2).
    if (family === 0 || family === 3) return { kind: 'done', version: 2, rest };
    if (family !== 1 && family !== 2) return invalid(`PROXY protocol v2 address family ${family}`);
    if (transport !== 1) return invalid(`PROXY protocol v2 transport ${transport} on a stream (1 is STREAM)`);
    // Source address, destination address, source port, destination port; TLVs after them are
    // optional extensions (§2.2.7) the broker has no use for.
    const size = family === 1 ? 4 : 16;
    if (block.length < 2 * size + 4)
      return invalid('PROXY protocol v2 address block shorter than its family');
    const address = family === 1 ? [...block.subarray(0, 4)].join('.') : ipv6Text(block.subarray(0, 16));
    return { kind: 'done', version: 2, source: { address, port: block.readUInt16BE(2 * size) }, rest };
  }
}

function invalid(error: string): ProxyHeader {
  return { kind: 'invalid', error };
}

/** §2.1: "PROXY" SP ("TCP4" | "TCP6") SP src SP dst SP srcport SP dstport CRLF, or "PROXY UNKNOWN" ... CRLF. */
function v1(bytes: Buffer): ProxyHeader {
  const end = bytes.subarray(0, V1_MAX).indexOf('\r\n');
  if (end < 0)
    return bytes.length >= V1_MAX ? invalid(`PROXY protocol v1 line longer than ${V1_MAX} bytes`) : MORE;
  const line = bytes.subarray(0, end).toString('latin1');
  const rest = bytes.subarray(end + 2);
  const fields = line.split(' ');
  // UNKNOWN: the proxy could not tell (or opened the connection itself: HAProxy's health checks);
  // the rest of the line is to be ignored and the real endpoints used.
  if (fields[1] === 'UNKNOWN') return { kind: 'done', version: 1, rest };
  const [, family, source, destination, sourcePort, destinationPort] = fields;
  if (family !== 'TCP4' && family !== 'TCP6') return invalid(`PROXY protocol v1 family ${family}`);
  const isIP = family === 'TCP4' ? isIPv4 : isIPv6;
  if (fields.length !== 6 || !isIP(source!) || !isIP(destination!))
    return invalid(`PROXY protocol v1 line not of the form "PROXY ${family} source destination port port"`);
  const port = v1Port(sourcePort!);
  if (port === undefined || v1Port(destinationPort!) === undefined)
    return invalid('PROXY protocol v1 port not a decimal number from 0 to 65535');
  return { kind: 'done', version: 1, source: { address: source!, port }, rest };
}

function v1Port(text: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/**
 * An IPv6 address as Node writes a socket's remoteAddress (libuv's inet_ntop: RFC 5952's
 * lowercase, shortest form, IPv4-mapped ones as ::ffff:a.b.c.d), so that a device is the same
 * address to the bans whether it connects through the proxy or not.
 */
export function ipv6Text(bytes: Buffer): string {
  const words = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(2 * i));
  // The longest run of two or more zero words (the first of equals) becomes "::" [RFC 5952 §4.2].
  let best = { base: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { base: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const dotted = [...bytes.subarray(12, 16)].join('.');
  if (best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff)))
    return best.len === 6 ? `::${dotted}` : `::ffff:${dotted}`;
  if (best.base < 0) return words.map((w) => w.toString(16)).join(':');
  const head = words.slice(0, best.base).map((w) => w.toString(16));
  const tail = words.slice(best.base + best.len).map((w) => w.toString(16));
  return `${head.join(':')}::${tail.join(':')}`;
}
