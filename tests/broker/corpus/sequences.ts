/**
 * The mosquitto project's malformed-packet corpus (tests/broker/fixtures/mosquitto-corpus, see its
 * NOTICE) read into sequences, with the same defaults as mosquitto's own runner
 * (test/broker/msg_sequence_test.py): a default CONNECT and CONNACK before the steps unless
 * `connect` is false, protocol version 4 unless `ver` says otherwise, and a disconnection expected
 * at the end unless `expect_disconnect` is false.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CORPUS_DIR = join(import.meta.dirname, '..', 'fixtures', 'mosquitto-corpus');

export type Step =
  | { type: 'send'; bytes: Buffer }
  | { type: 'recv'; bytes: Buffer; comment: string }
  /** Another client publishes `payload` to `topic`, as the runner's helper connection does. */
  | { type: 'publish'; topic: string; payload: string; qos: 0 | 1 | 2 };

export interface Sequence {
  /** `group name`, as mosquitto's runner prints it; unique within the corpus. */
  id: string;
  file: string;
  /** 3 or 4 for MQTT 3.1 / 3.1.1 sequences, 5 for MQTT 5 ones (by group: "v5.0 ..."). */
  mqtt: 3 | 4 | 5;
  /** Protocol version of the default CONNECT. */
  ver: number;
  connect: boolean;
  expectDisconnect: boolean;
  steps: Step[];
}

interface RawTest {
  name: string;
  ver?: number;
  connect?: boolean;
  expect_disconnect?: boolean;
  msgs: { type: string; payload?: string; comment?: string; topic?: string; qos?: number }[];
}

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

export function loadCorpus(dir = CORPUS_DIR): Sequence[] {
  const out: Sequence[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const groups = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      group: string;
      disable?: boolean;
      tests: RawTest[];
    }[];
    for (const g of groups) {
      if (g.disable) continue;
      for (const t of g.tests) {
        const ver = t.ver ?? 4;
        const steps: Step[] = t.msgs.map((m) => {
          if (m.type === 'send') return { type: 'send', bytes: hex(m.payload!) };
          if (m.type === 'recv') return { type: 'recv', bytes: hex(m.payload!), comment: m.comment ?? '' };
          if (m.type === 'publish')
            return { type: 'publish', topic: m.topic!, payload: m.payload!, qos: m.qos as 0 | 1 | 2 };
          throw new Error(`${file}: unknown step type ${m.type}`);
        });
        out.push({
          id: `${g.group} ${t.name}`,
          file,
          mqtt: g.group.startsWith('v5.0') || ver === 5 ? 5 : ver === 3 ? 3 : 4,
          ver,
          connect: t.connect ?? true,
          expectDisconnect: t.expect_disconnect ?? true,
          steps,
        });
      }
    }
  }
  return out;
}

// --- packet builders, byte for byte as mosquitto's test helpers (test/mosq_test.py) build them ---

export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

export function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

export function packet(header: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([header]), remainingLength(body.length), body]);
}

export interface Identity {
  clientId: string;
  username?: string;
  password?: string;
}

/** The default CONNECT: clean session, keep alive 60; MQTT 5 with receive maximum 20. */
export function defaultConnect(ver: number, id: Identity): Buffer {
  const v3 = ver === 3;
  let flags = 0x02;
  if (id.username !== undefined) flags |= 0x80;
  if (id.password !== undefined) flags |= 0x40;
  const parts = [str(v3 ? 'MQIsdp' : 'MQTT'), Buffer.from([ver, flags, 0, 60])];
  if (ver === 5) parts.push(Buffer.from([3, 0x21, 0, 20]));
  parts.push(str(id.clientId));
  if (id.username !== undefined) parts.push(str(id.username));
  if (id.password !== undefined) parts.push(str(id.password));
  return packet(0x10, Buffer.concat(parts));
}

/** CONNACK as mosquitto 2.0 answers the default CONNECT (MQTT 5: topic alias max 10, receive max 20). */
export function defaultConnack(ver: number): Buffer {
  return ver === 5 ? hex('20 09 00 00 06 22000A 210014') : hex('20 02 00 00');
}

export const PINGREQ = Buffer.from([0xc0, 0]);
export const PINGRESP = Buffer.from([0xd0, 0]);
