/**
 * Replays corpus sequences against a broker the way mosquitto's runner does
 * (test/broker/msg_sequence_test.py): send the bytes, compare what comes back byte for byte, and at
 * the end check that the broker has closed the connection (one more byte read must find the end of
 * the stream) or, when the sequence expects the connection to stay, that it answers a PINGREQ.
 *
 * One liberty: the packet identifier of a PUBLISH the broker sends is the broker's choice [MQTT-2.3.1-2]
 * (mosquitto starts at 1, which the corpus assumes; aedes starts anywhere), so it is taken as it comes
 * and put in place of the corpus's in the acknowledgements that follow.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  defaultConnack,
  defaultConnect,
  type Identity,
  PINGREQ,
  PINGRESP,
  packet,
  type Sequence,
  type Step,
  str,
} from './sequences.ts';
import { type Substitution, withCredentials, withTopics } from './substitute.ts';

export interface ReplayOptions {
  port: number;
  host?: string;
  /** Opens a connection to the broker; TCP to `host:port` unless given (TLS, WebSocket). */
  dial?: () => Promise<Duplex>;
  /** Credentials and topic namespaces; without it the corpus is sent as it is (anonymous broker). */
  substitution?: Substitution;
  /** How long to wait for an expected packet or the close (mosquitto's runner: 2 s). */
  timeoutMs?: number;
}

export interface Outcome {
  id: string;
  ok: boolean;
  why?: string;
}

class Failure extends Error {}

export function dialTcp(port: number, host = '127.0.0.1'): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.once('error', reject);
    socket.connect(port, host, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** A connection read as a byte stream with timeouts. */
class Conn {
  socket: Duplex | undefined;
  #buf = Buffer.alloc(0);
  #ended: 'eof' | 'reset' | undefined;
  #wake: (() => void) | undefined;

  constructor(private readonly timeoutMs: number) {}

  #end(how: 'eof' | 'reset') {
    this.#ended ??= how;
    this.#wake?.();
  }

  async open(opts: ReplayOptions): Promise<void> {
    const socket = await (opts.dial ? opts.dial() : dialTcp(opts.port, opts.host));
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#wake?.();
    });
    socket.on('end', () => this.#end('eof'));
    socket.on('close', () => this.#end('eof'));
    socket.on('error', () => this.#end('reset'));
  }

  send(bytes: Buffer): void {
    if (this.socket && !this.socket.destroyed) this.socket.write(bytes);
  }

  /** Waits for `n` bytes; returns fewer only when the stream ended or the time ran out. */
  async read(n: number): Promise<{ bytes: Buffer; end?: 'eof' | 'reset' | 'timeout' }> {
    const deadline = Date.now() + this.timeoutMs;
    while (this.#buf.length < n && !this.#ended) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    const bytes = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(bytes.length);
    return { bytes, end: bytes.length < n ? (this.#ended ?? 'timeout') : undefined };
  }

  async expect(bytes: Buffer, what: string, ids?: Map<number, number>): Promise<void> {
    const got = await this.read(bytes.length);
    const at = ids ? packetIdOffset(bytes) : undefined;
    if (at !== undefined && got.bytes.length === bytes.length) {
      ids!.set(bytes.readUInt16BE(at), got.bytes.readUInt16BE(at));
      bytes = Buffer.from(bytes);
      got.bytes.copy(bytes, at, at, at + 2);
    }
    if (!got.bytes.equals(bytes))
      throw new Failure(
        `${what}: got ${got.bytes.toString('hex') || '-'}${got.end ? ` (${got.end})` : ''}, expected ${bytes.toString('hex')}`,
      );
  }

  close(): void {
    this.socket?.destroy();
  }
}

/** Where the packet identifier of a QoS 1 or 2 PUBLISH is, or undefined for other packets. */
function packetIdOffset(p: Buffer): number | undefined {
  if (p[0]! >> 4 !== 3 || (p[0]! & 6) === 0) return undefined;
  let i = 1;
  while (i < 5 && i < p.length && p[i]! & 0x80) i++;
  if (i + 3 > p.length) return undefined;
  const at = i + 3 + p.readUInt16BE(i + 1);
  return at + 2 <= p.length ? at : undefined;
}

/** An acknowledgement (PUBACK to PUBCOMP) with the identifier the broker chose in place of the corpus's. */
function withBrokerId(p: Buffer, ids: Map<number, number>): Buffer {
  const type = p[0]! >> 4;
  if (type < 4 || type > 7 || p.length !== 4 || p[1] !== 2) return p;
  const id = ids.get(p.readUInt16BE(2));
  if (id === undefined) return p;
  const out = Buffer.from(p);
  out.writeUInt16BE(id, 2);
  return out;
}

async function publishAsHelper(
  step: Extract<Step, { type: 'publish' }>,
  index: number,
  opts: ReplayOptions,
): Promise<void> {
  const sub = opts.substitution;
  const conn = new Conn(opts.timeoutMs ?? 2000);
  try {
    await conn.open(opts);
    const id: Identity = sub?.identity(index, 'helper') ?? { clientId: `helper-${index}` };
    conn.send(defaultConnect(4, id));
    await conn.expect(defaultConnack(4), 'helper connack');
    const topic = sub ? sub.topic(index, Buffer.from(step.topic)) : Buffer.from(step.topic);
    const mid = step.qos > 0 ? Buffer.from([0, 1]) : Buffer.alloc(0);
    conn.send(packet(0x30 | (step.qos << 1), Buffer.concat([str(topic), mid, Buffer.from(step.payload)])));
    if (step.qos === 1) await conn.expect(Buffer.from('40020001', 'hex'), 'helper puback');
    if (step.qos === 2) {
      await conn.expect(Buffer.from('50020001', 'hex'), 'helper pubrec');
      conn.send(Buffer.from('62020001', 'hex'));
      await conn.expect(Buffer.from('70020001', 'hex'), 'helper pubcomp');
    }
  } finally {
    conn.close();
  }
}

/** The steps as they go on the wire: default CONNECT first, credentials and topics substituted. */
export function wireSteps(seq: Sequence, index: number, sub: Substitution | undefined): Step[] {
  const steps: Step[] = [];
  const id = sub?.identity(index, 'subject');
  if (seq.connect) {
    steps.push({ type: 'send', bytes: defaultConnect(seq.ver, id ?? { clientId: seq.id }) });
    steps.push({ type: 'recv', bytes: defaultConnack(seq.ver), comment: 'default connack' });
  }
  if (!sub || !id) return steps.concat(seq.steps);
  const map = (t: Buffer) => sub.topic(index, t);
  const v5 = seq.mqtt === 5;
  seq.steps.forEach((step, i) => {
    if (step.type === 'publish') {
      steps.push(step);
      return;
    }
    let bytes = step.bytes;
    const next = seq.steps[i + 1];
    const accepted = next?.type === 'recv' && next.bytes[0] === 0x20 && next.bytes[3] === 0;
    if (step.type === 'send' && bytes[0] === 0x10 && accepted)
      bytes = withCredentials(bytes, id, map) ?? bytes;
    else bytes = withTopics(bytes, v5, map);
    steps.push({ ...step, bytes });
  });
  return steps;
}

export async function replay(seq: Sequence, index: number, opts: ReplayOptions): Promise<Outcome> {
  const conn = new Conn(opts.timeoutMs ?? 2000);
  try {
    await conn.open(opts);
    const ids = new Map<number, number>();
    for (const step of wireSteps(seq, index, opts.substitution)) {
      if (step.type === 'send') conn.send(withBrokerId(step.bytes, ids));
      else if (step.type === 'recv')
        await conn.expect(withBrokerId(step.bytes, ids), step.comment || 'receive', ids);
      else await publishAsHelper(step, index, opts);
    }
    if (seq.expectDisconnect) {
      const got = await conn.read(1);
      if (got.bytes.length > 0) throw new Failure(`still connected: got ${got.bytes.toString('hex')}`);
      if (got.end === 'timeout') throw new Failure('still connected: no close within the timeout');
    } else {
      conn.send(PINGREQ);
      await conn.expect(PINGRESP, 'connected check');
    }
    return { id: seq.id, ok: true };
  } catch (err) {
    if (!(err instanceof Failure)) return { id: seq.id, ok: false, why: String(err) };
    return { id: seq.id, ok: false, why: err.message };
  } finally {
    conn.close();
  }
}

/** Replays every sequence, `concurrency` at a time; outcomes in corpus order. */
export async function replayAll(
  sequences: Sequence[],
  opts: ReplayOptions & { concurrency?: number },
): Promise<Outcome[]> {
  const out: Outcome[] = new Array(sequences.length);
  let next = 0;
  const worker = async () => {
    while (next < sequences.length) {
      const i = next++;
      out[i] = await replay(sequences[i]!, i, opts);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, worker));
  return out;
}
