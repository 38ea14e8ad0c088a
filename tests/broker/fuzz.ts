/**
 * A seeded packet fuzzer for the broker: valid packets (and the corpus's malformed ones) mutated
 * at random and sent from several connections at once, each opening with a correct CONNECT most of
 * the time so that the mutations reach the packet handlers behind it. Same seed, same packets.
 */
import type { Duplex } from 'node:stream';
import { dialTcp } from './corpus/replay.ts';
import { defaultConnect, loadCorpus, packet, str } from './corpus/sequences.ts';
import { SERVICE_SECRET } from './support.ts';

/** mulberry32: small, fast, good enough to spread mutations, and reproducible from a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seeds(): Buffer[] {
  const topic = str('fm/fuzz/lift/F-1/command');
  const valid = [
    packet(0x30, Buffer.concat([topic, Buffer.from('{"seq":1}')])),
    packet(0x32, Buffer.concat([topic, Buffer.from([0, 7]), Buffer.from('{"seq":2}')])),
    packet(0x35, Buffer.concat([topic, Buffer.from([0, 8]), Buffer.from('x')])),
    packet(0x82, Buffer.concat([Buffer.from([0, 9]), str('fm/fuzz/#'), Buffer.from([1])])),
    packet(0xa2, Buffer.concat([Buffer.from([0, 10]), str('fm/fuzz/#')])),
    Buffer.from('4002000b', 'hex'),
    Buffer.from('5002000c', 'hex'),
    Buffer.from('6202000d', 'hex'),
    Buffer.from('7002000e', 'hex'),
    Buffer.from('c000', 'hex'),
    Buffer.from('e000', 'hex'),
  ];
  const corpus = loadCorpus().flatMap((s) =>
    s.steps.flatMap((step) => (step.type === 'send' ? [step.bytes] : [])),
  );
  return valid.concat(corpus);
}

function mutate(p: Buffer, rand: () => number, pool: Buffer[]): Buffer {
  const int = (n: number) => Math.floor(rand() * n);
  const b = Buffer.from(p);
  switch (int(8)) {
    case 0: // flip a bit
      if (b.length) b[int(b.length)]! ^= 1 << int(8);
      return b;
    case 1: // a random byte
      if (b.length) b[int(b.length)] = int(256);
      return b;
    case 2: // the first byte (type and flags)
      b[0] = int(256);
      return b;
    case 3: // truncate
      return b.subarray(0, int(b.length + 1));
    case 4: // insert random bytes
      {
        const at = int(b.length + 1);
        const extra = Buffer.from(Array.from({ length: 1 + int(16) }, () => int(256)));
        return Buffer.concat([b.subarray(0, at), extra, b.subarray(at)]);
      }
    case 5: // splice with another packet
      {
        const other = pool[int(pool.length)]!;
        return Buffer.concat([b.subarray(0, int(b.length + 1)), other.subarray(int(other.length + 1))]);
      }
    case 6: // a remaining length that lies (up to 4 length bytes)
      return Buffer.concat([b.subarray(0, 1), Buffer.from([0x80 | int(128), int(128)]), b.subarray(2)]);
    default: // sent as it is
      return b;
  }
}

export interface FuzzOptions {
  port: number;
  packets: number;
  seed: number;
  /** Connections at once. */
  concurrency?: number;
  /** Dialers to spread the connections over (TCP to `port` unless given). */
  dialers?: (() => Promise<Duplex>)[];
  /** Stops early after this long, so a slow machine still ends in time. */
  deadlineMs?: number;
}

export async function fuzzBroker(opts: FuzzOptions): Promise<{ sent: number; connections: number }> {
  const pool = seeds();
  const dialers = opts.dialers ?? [() => dialTcp(opts.port)];
  let sent = 0;
  let connections = 0;
  const one = async (n: number) => {
    // One generator per connection: the same seed gives the same connections whatever their timing.
    const rand = prng(opts.seed * 100_003 + n);
    const conn = await dialers[n % dialers.length]!().catch(() => undefined);
    if (!conn) return;
    conn.on('error', () => {});
    conn.on('data', () => {});
    const closed = new Promise<void>((r) => conn.once('close', () => r()));
    const chunks: Buffer[] = [];
    if (rand() < 0.9) {
      const id = { clientId: `service.fuzz-${n}`, username: 'service.fuzz', password: SERVICE_SECRET };
      chunks.push(defaultConnect(4, id));
    }
    const count = 1 + Math.floor(rand() * 30);
    for (let k = 0; k < count; k++) chunks.push(mutate(pool[Math.floor(rand() * pool.length)]!, rand, pool));
    // Cut the stream at random places, so packets also arrive split and several to a chunk.
    const bytes = Buffer.concat(chunks);
    for (let at = 0; at < bytes.length; ) {
      const len = 1 + Math.floor(rand() * 200);
      conn.write(bytes.subarray(at, at + len));
      at += len;
    }
    sent += count;
    connections++;
    await Promise.race([closed, new Promise((r) => setTimeout(r, 30))]);
    conn.destroy();
  };
  let next = 0;
  const deadline = Date.now() + (opts.deadlineMs ?? 30_000);
  const worker = async () => {
    while (sent < opts.packets && Date.now() < deadline) await one(next++);
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  return { sent, connections };
}
