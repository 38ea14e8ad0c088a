/**
 * mosquitto's malformed-packet corpus, every MQTT 3.1/3.1.1 sequence, replayed against the
 * platform's broker on each listener and against Debian's mosquitto with the same runner
 * (tests/broker/corpus/). Figures in docs/broker.md ("Strictness").
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker, RefusalReason } from '../../src/broker/index.ts';
import { startMosquitto, tempDir } from '../support/servers.ts';
import { type Outcome, type ReplayOptions, replayAll } from './corpus/replay.ts';
import { loadCorpus } from './corpus/sequences.ts';
import { dialTls, dialWebSocket, platformSubstitution, startCorpusBroker } from './corpus/target.ts';
import { selfSigned, service, until } from './support.ts';

const ACL_SHARED =
  'the topic ACL refuses a subscription outside fm/ and $SYS/ (SUBACK 0x80); aedes has no shared subscriptions ($share) either';

/** Sequences the platform answers differently from what the corpus expects, each with the reason. */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'v3.1   CONNECT 10 ok ':
    "an MQTT 3.1 CONNECT with the reserved connect flag set: 3.1 left the bit undefined and mosquitto ignores it; aedes's parser refuses it, and this broker applies 3.1.1's rule [MQTT-3.1.2-3] to 3.1 clients too",
  'v3.1   CONNECT 14 ok ': 'the same, with flags in the fixed header too [MQTT-2.2.2-2]',
  'v3.1.1 CONNECT 10 empty client ID':
    'the platform knows a device or service by its client id (= user name): an empty one gets CONNACK 2, identifier rejected, as MQTT allows [MQTT-3.1.3-9]',
  'v3.1.1 PUBLISH 30 topic with U+2A6D4 (section 1.5.3.1)':
    'the topic ACL: no platform topic has characters outside [A-Za-z0-9_-/], and a refused publish closes the connection (3.1.1 has no negative PUBACK)',
  'REGRESSIONS mismatched-shared-normal-subscribe-unsubscribe-leak': ACL_SHARED,
  'REGRESSIONS shared-sub-uaf': ACL_SHARED,
};

/** MQTT 3.1/3.1.1 sequences with the expected response; 196 of 273 on 537ba13, before strict.ts. */
const FLOOR = 267;

const sequences = loadCorpus().filter((s) => s.mqtt !== 5);

function unexpectedMisses(outcomes: Outcome[]): string[] {
  return outcomes.filter((o) => !o.ok && !(o.id in KNOWN_DIFFERENCES)).map((o) => `${o.id}: ${o.why}`);
}

describe('mosquitto corpus, MQTT 3.1/3.1.1', () => {
  const dir = tempDir('corpus-tls');
  const tls = selfSigned(dir);
  let broker: Broker;
  beforeAll(async () => {
    broker = await startCorpusBroker({ tls });
  });
  afterAll(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (opts: Partial<ReplayOptions> = {}) =>
    replayAll(sequences, { port: broker.addresses.tcp.port, substitution: platformSubstitution, ...opts });

  it('has every 3.1/3.1.1 sequence of the corpus', () => {
    expect(sequences).toHaveLength(273);
    for (const id of Object.keys(KNOWN_DIFFERENCES)) expect(sequences.some((s) => s.id === id)).toBe(true);
  });

  it('gives the expected response over TCP to all but the known differences, counting each refusal', async () => {
    const outcomes = await run();
    expect(unexpectedMisses(outcomes)).toEqual([]);
    expect(outcomes.filter((o) => o.ok).length).toBeGreaterThanOrEqual(FLOOR);
    const refusals = broker.counters().refusals;
    const reasons: RefusalReason[] = [
      'malformed-packet',
      'protocol-violation',
      'reserved-flags',
      'invalid-utf8',
      'invalid-topic',
      'invalid-qos',
      'invalid-packet-id',
      'unexpected-ack',
      'unsupported-protocol',
      'client-id-rejected',
    ];
    for (const reason of reasons) expect(refusals[reason], reason).toBeGreaterThan(0);
    // Nothing left half-open, and the broker still serves.
    await until(() => broker.counters().clientsConnected === 0);
    const sub = await service(broker);
    await sub.subscribeAsync('fm/#');
    await sub.endAsync();
  });

  it.each([
    ['WebSocket', () => ({ dial: dialWebSocket(broker.addresses.ws.port) })],
    ['TLS', () => ({ dial: dialTls(broker.addresses.tls!.port, tls.cert) })],
  ])('gives the same responses over %s', async (_name, opts) => {
    const outcomes = await run(opts());
    expect(unexpectedMisses(outcomes)).toEqual([]);
    expect(outcomes.filter((o) => o.ok).length).toBeGreaterThanOrEqual(FLOOR);
  });

  it('is at least as strict as mosquitto 2.0 with the same runner', async () => {
    const mosquitto = await startMosquitto();
    try {
      const theirs = await replayAll(sequences, { port: mosquitto.port, substitution: platformSubstitution });
      const ours = await run();
      const count = (o: Outcome[]) => o.filter((x) => x.ok).length;
      console.info(
        `corpus 3.1/3.1.1: platform ${count(ours)}, mosquitto ${count(theirs)} of ${sequences.length}`,
      );
      expect(count(ours)).toBeGreaterThanOrEqual(count(theirs));
    } finally {
      await mosquitto.stop();
    }
  });
});
