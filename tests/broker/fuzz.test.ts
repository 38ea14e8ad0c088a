/**
 * Bounded, seeded fuzzing: thousands of mutated packets from several connections over TCP,
 * WebSocket and TLS at once, while a device keeps publishing through the broker.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/index.ts';
import { tempDir } from '../support/servers.ts';
import { dialTcp } from './corpus/replay.ts';
import { dialTls, dialWebSocket } from './corpus/target.ts';
import { fuzzBroker } from './fuzz.ts';
import { brokerWith, device, MemoryDirectory, selfSigned, service, until } from './support.ts';

const PACKETS = 20_000;
/** Stops the fuzzing early on a slow machine; it takes about 7 s on two shared cores. */
const DEADLINE_MS = 25_000;

describe('fuzzing', () => {
  const dir = tempDir('fuzz-tls');
  const tls = selfSigned(dir);
  const directory = new MemoryDirectory();
  let broker: Broker;
  beforeAll(async () => {
    await directory.add('L-1', 'demo', 'lift');
    broker = await brokerWith(directory, { tls, flapConnects: 100_000, authFailures: 100_000 });
  });
  afterAll(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`survives ${PACKETS} mutated packets while a device keeps publishing, with bounded memory`, async () => {
    const sub = await service(broker, 'rules');
    let received = 0;
    sub.on('message', (topic) => {
      if (topic === 'fm/demo/lift/L-1/telemetry') received++;
    });
    await sub.subscribeAsync('fm/demo/#', { qos: 1 });
    const dev = await device(broker, 'L-1');
    const rssBefore = process.memoryUsage().rss;

    let fuzzing = true;
    let published = 0;
    const publishing = (async () => {
      while (fuzzing) {
        await dev.publishAsync('fm/demo/lift/L-1/telemetry', JSON.stringify({ seq: published }), { qos: 1 });
        published++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const result = await fuzzBroker({
      port: broker.addresses.tcp.port,
      packets: PACKETS,
      seed: 18,
      deadlineMs: DEADLINE_MS,
      dialers: [
        () => dialTcp(broker.addresses.tcp.port),
        dialWebSocket(broker.addresses.ws.port),
        dialTls(broker.addresses.tls!.port, tls.cert),
      ],
    });
    fuzzing = false;
    await publishing;

    expect(result.sent).toBeGreaterThanOrEqual(5_000);
    expect(published).toBeGreaterThan(50);
    await until(() => received === published);
    const refusals = broker.counters().refusals;
    expect(refusals['malformed-packet']).toBeGreaterThan(100);
    expect(refusals['protocol-violation']).toBeGreaterThan(100);
    const rssAfter = process.memoryUsage().rss;
    console.info(
      `fuzz: ${result.sent} packets on ${result.connections} connections; ${published} publishes delivered; RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> ${(rssAfter / 2 ** 20).toFixed(0)} MB`,
    );
    expect(rssAfter - rssBefore).toBeLessThan(100 * 2 ** 20);
    await dev.endAsync();
    await sub.endAsync();
  });
});
