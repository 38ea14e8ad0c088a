/** PROXY protocol headers as a load balancer writes them (HAProxy's proxy-protocol.txt), for tests. */

/** §2.2: the v2 signature. */
export const SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** A v2 header: version 2 and `command` (0 LOCAL, 1 PROXY), `familyTransport`, then `block`. */
export function v2(command: number, familyTransport: number, block: Buffer): Buffer {
  const fixed = Buffer.from([0x20 | command, familyTransport, 0, 0]);
  fixed.writeUInt16BE(block.length, 2);
  return Buffer.concat([SIGNATURE, fixed, block]);
}

function ports(source: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt16BE(source, 0);
  bytes.writeUInt16BE(1883, 2);
  return bytes;
}

/** An AF_INET block: source, destination, source port, destination port, then `tlvs`. */
export function inet(source: number[], sourcePort: number, tlvs = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from(source), Buffer.from([10, 0, 0, 11]), ports(sourcePort), tlvs]);
}

/** An AF_INET6 block: source, destination (::), source port, destination port. */
export function inet6(source: Buffer, sourcePort: number): Buffer {
  return Buffer.concat([source, Buffer.alloc(16, 0), ports(sourcePort)]);
}

/** v2 PROXY over TCP from `address` (dotted IPv4). */
export function v2From(address: string, port = 50_000): Buffer {
  return v2(1, 0x11, inet(address.split('.').map(Number), port));
}

/** v1 from `address` (dotted IPv4). */
export function v1From(address: string, port = 50_000): Buffer {
  return Buffer.from(`PROXY TCP4 ${address} 10.0.0.11 ${port} 1883\r\n`);
}
