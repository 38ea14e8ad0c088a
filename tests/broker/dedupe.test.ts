/**
 * A message goes to a client once, however many of its subscriptions match and in whatever order
 * messages reach it (src/broker/dedupe.ts). The cluster's case, where the order changes on the
 * way, is in cluster-bus.test.ts and cluster.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dedupeExactly, queueOnceBesideLive, REMEMBERED } from '../../src/broker/dedupe.ts';
import type { Broker } from '../../src/broker/index.ts';
import { brokerWith, collect, device, MemoryDirectory, service, sleep, until } from './support.ts';

const directory = new MemoryDirectory();
let broker: Broker;

beforeAll(async () => {
  await directory.add('L-9', 'demo', 'lift');
  broker = await brokerWith(directory);
});
afterAll(() => broker.stop());

it.each([
  ['a persistent', false],
  ['a clean', true],
])('hands %s session one copy of a message its overlapping subscriptions all match', async (_, clean) => {
  const svc = await service(broker, `overlap-${clean}`, { clean });
  const seen = collect(svc);
  await svc.subscribeAsync(['fm/demo/#', 'fm/demo/lift/+/telemetry', 'fm/demo/+/L-9/telemetry'], { qos: 1 });
  const dev = await device(broker, 'L-9');
  const topic = 'fm/demo/lift/L-9/telemetry';
  for (const [seq, qos] of [
    [1, 1],
    [2, 0],
    [3, 1],
  ] as const)
    await dev.publishAsync(topic, JSON.stringify({ ts: Date.now(), seq }), { qos });
  await until(() => seen.length >= 3);
  await sleep(300); // copies would have arrived by now
  expect(seen.map((m) => JSON.parse(m.payload).seq)).toEqual([1, 2, 3]);
  await Promise.all([svc.endAsync(), dev.endAsync()]);
});

it('still hands one copy each once the client has been handed more messages than it remembers', async () => {
  const svc = await service(broker, 'overlap-many');
  const seen = collect(svc);
  await svc.subscribeAsync(['fm/demo/#', 'fm/demo/lift/+/telemetry'], { qos: 0 });
  const dev = await device(broker, 'L-9');
  const count = REMEMBERED + 100;
  for (let seq = 1; seq <= count; seq++)
    dev.publish('fm/demo/lift/L-9/telemetry', JSON.stringify({ ts: Date.now(), seq }), { qos: 0 });
  await until(() => seen.length >= count, 15_000);
  await sleep(300); // copies would have arrived by now
  expect(seen).toHaveLength(count);
  expect(new Set(seen.map((m) => JSON.parse(m.payload).seq)).size).toBe(count);
  await Promise.all([svc.endAsync(), dev.endAsync()]);
});

it("skips in a resuming session's queue what its client was handed live, and drops a live copy of what the queue sent", async () => {
  // aedes's side, as lib/client.js has it: its copy check, then the write.
  const written: number[] = [];
  const client = {
    duplicates: {} as Record<string, number>,
    deliverQoS(packet: { brokerId: string; brokerCounter: number }, done: () => void) {
      if ((client.duplicates[packet.brokerId] ?? 0) < packet.brokerCounter) {
        client.duplicates[packet.brokerId] = packet.brokerCounter;
        written.push(packet.brokerCounter);
      }
      done();
    },
    deliver0() {},
  };
  const message = (n: number) => ({ brokerId: 'node-1', brokerCounter: n, qos: 1 });
  const queued = [message(1), message(2), message(3)];
  const persistence = {
    async *outgoingStream(_client: object) {
      yield* queued;
    },
  };
  dedupeExactly(client as never);
  queueOnceBesideLive(persistence);
  // Message 3 reaches the client live before its queue is read; message 1 live after the queue.
  client.deliverQoS(message(3), () => {});
  const fromQueue: number[] = [];
  for await (const p of persistence.outgoingStream(client)) fromQueue.push(p.brokerCounter);
  client.deliverQoS(message(1), () => {});
  expect({ live: written, fromQueue }).toEqual({ live: [3], fromQueue: [1, 2] });
});
