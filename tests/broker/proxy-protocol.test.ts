import { describe, expect, it } from 'vitest';
import { ipv6Text, type ProxyHeader, ProxyHeaderReader } from '../../src/broker/proxy-protocol.ts';
import { inet, inet6, SIGNATURE, v2 } from './proxy-headers.ts';

const CONNECT = Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x1e]);

function whole(bytes: Buffer): ProxyHeader {
  return new ProxyHeaderReader().feed(bytes);
}

/** Fed one byte at a time: every answer before the last is 'more'. */
function byteByByte(bytes: Buffer): ProxyHeader {
  const reader = new ProxyHeaderReader();
  for (let i = 0; i < bytes.length - 1; i++)
    expect(reader.feed(bytes.subarray(i, i + 1))).toEqual({ kind: 'more' });
  return reader.feed(bytes.subarray(bytes.length - 1));
}

const errorOf = (h: ProxyHeader) => (h.kind === 'invalid' ? h.error : `not refused: ${h.kind}`);

describe('PROXY protocol header', () => {
  // A TLV of type 0x05 (PP2_TYPE_UNIQUE_ID) as HAProxy may add: skipped, not taken for MQTT.
  const tlv = Buffer.from([0x05, 0x00, 0x03, 0x61, 0x62, 0x63]);
  const cases: [string, Buffer, ProxyHeader][] = [
    [
      'v1 TCP4',
      Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.11 51234 1883\r\n'),
      { kind: 'done', version: 1, source: { address: '203.0.113.7', port: 51234 }, rest: CONNECT },
    ],
    [
      'v1 TCP6',
      Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 51234 1883\r\n'),
      { kind: 'done', version: 1, source: { address: '2001:db8::7', port: 51234 }, rest: CONNECT },
    ],
    // HAProxy's health checks over send-proxy: the real endpoints stand.
    ['v1 UNKNOWN', Buffer.from('PROXY UNKNOWN\r\n'), { kind: 'done', version: 1, rest: CONNECT }],
    [
      'v2 PROXY over IPv4, with a TLV',
      v2(1, 0x11, inet([203, 0, 113, 7], 51234, tlv)),
      { kind: 'done', version: 2, source: { address: '203.0.113.7', port: 51234 }, rest: CONNECT },
    ],
    [
      'v2 PROXY over IPv6',
      v2(1, 0x21, inet6(Buffer.from('20010db8000000000000000000000007', 'hex'), 443)),
      { kind: 'done', version: 2, source: { address: '2001:db8::7', port: 443 }, rest: CONNECT },
    ],
    // HAProxy's health checks over send-proxy-v2: LOCAL, whatever the address block says.
    ['v2 LOCAL', v2(0, 0x00, Buffer.alloc(0)), { kind: 'done', version: 2, rest: CONNECT }],
    [
      'v2 LOCAL with addresses',
      v2(0, 0x11, inet([1, 2, 3, 4], 1)),
      { kind: 'done', version: 2, rest: CONNECT },
    ],
    ['v2 PROXY of AF_UNSPEC', v2(1, 0x00, Buffer.alloc(0)), { kind: 'done', version: 2, rest: CONNECT }],
  ];

  it.each(cases)('reads %s and hands on the MQTT bytes after it', (_name, header, expected) => {
    expect(whole(Buffer.concat([header, CONNECT]))).toEqual(expected);
  });

  it.each(cases)('reads %s split into one-byte chunks', (_name, header, expected) => {
    // The MQTT bytes arrive in a chunk of their own: nothing after the header is left over.
    expect(byteByByte(header)).toEqual({ ...expected, rest: Buffer.alloc(0) });
    // ...or in the same chunk as the header's last byte.
    const reader = new ProxyHeaderReader();
    reader.feed(header.subarray(0, header.length - 1));
    expect(reader.feed(Buffer.concat([header.subarray(-1), CONNECT]))).toEqual(expected);
  });

  it('refuses MQTT sent straight to the broker at its first byte', () => {
    expect(errorOf(whole(CONNECT.subarray(0, 1)))).toMatch(/no PROXY protocol header/);
    expect(errorOf(whole(Buffer.from('PROXZ')))).toMatch(/no PROXY protocol header/);
    // A prefix of either signature is not yet wrong.
    expect(whole(Buffer.from('PROX'))).toEqual({ kind: 'more' });
    expect(whole(SIGNATURE.subarray(0, 7))).toEqual({ kind: 'more' });
  });

  it.each([
    [
      'a v1 line without CRLF within 107 bytes',
      Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`),
      /longer than 107/,
    ],
    [
      'a v1 family other than TCP4, TCP6, UNKNOWN',
      Buffer.from('PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n'),
      /family UDP4/,
    ],
    ['a v1 IPv6 address under TCP4', Buffer.from('PROXY TCP4 ::1 ::1 1 2\r\n'), /not of the form/],
    ['a v1 line with a field missing', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n'), /not of the form/],
    ['a v1 line with two spaces', Buffer.from('PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n'), /not of the form/],
    ['a v1 port over 65535', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n'), /port/],
    ['a v1 port with a leading zero', Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 0123 2\r\n'), /port/],
    ['a v2 header of version 1', Buffer.concat([SIGNATURE, Buffer.from([0x11, 0x11, 0, 0])]), /version 1/],
    ['a v2 command other than LOCAL and PROXY', v2(2, 0x11, inet([1, 2, 3, 4], 1)), /command 2/],
    ['a v2 address family 4', v2(1, 0x41, Buffer.alloc(12)), /address family 4/],
    ['a v2 datagram on a stream', v2(1, 0x12, inet([1, 2, 3, 4], 1)), /transport 2/],
    ['a v2 IPv4 block too short', v2(1, 0x11, Buffer.alloc(8)), /shorter than its family/],
    ['a v2 IPv6 block too short', v2(1, 0x21, Buffer.alloc(12)), /shorter than its family/],
  ])('refuses %s', (_name, bytes, error) => {
    expect(errorOf(whole(bytes))).toMatch(error);
  });

  it('waits for the whole of a v2 header however long its TLVs', () => {
    const header = v2(1, 0x11, inet([203, 0, 113, 7], 5, Buffer.alloc(2000, 0)));
    const reader = new ProxyHeaderReader();
    expect(reader.feed(header.subarray(0, 1000))).toEqual({ kind: 'more' });
    expect(reader.feed(header.subarray(1000, 2000))).toEqual({ kind: 'more' });
    expect(reader.feed(Buffer.concat([header.subarray(2000), CONNECT]))).toMatchObject({
      kind: 'done',
      source: { address: '203.0.113.7', port: 5 },
      rest: CONNECT,
    });
  });
});

describe('IPv6 addresses as Node writes them', () => {
  it.each([
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000ffff7f000001', '::ffff:127.0.0.1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
    ['fe800000000000000000000000000000', 'fe80::'],
    ['20010db8000a000b000c000d000e000f', '2001:db8:a:b:c:d:e:f'],
  ])('%s is %s', (hex, text) => {
    expect(ipv6Text(Buffer.from(hex, 'hex'))).toBe(text);
  });
});
