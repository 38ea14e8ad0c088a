import { describe, expect, it } from 'vitest';
import { DeliveryGate } from '../../src/broker/gate.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('delivery gate', () => {
  it('holds publishes beyond its limit and releases them in order as deliveries finish', async () => {
    let held = 0;
    const gate = new DeliveryGate(3, () => held++);
    const pending: (() => void)[] = [];
    gate.mq.on('t', (_m, done) => pending.push(done));
    const started: number[] = [];
    for (let i = 0; i < 7; i++)
      gate.admit(() => {
        started.push(i);
        gate.mq.emit({ topic: 't', i });
      });
    expect(started).toEqual([0, 1, 2]);
    expect(gate.inflight).toBe(3);
    expect(gate.waiting).toBe(4);
    expect(held).toBe(4);
    for (const done of pending.splice(0, 2)) done();
    await tick();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(gate.inflight).toBe(3);
    for (const done of pending.splice(0)) done();
    await tick();
    for (const done of pending.splice(0)) done();
    await tick();
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(gate.waiting).toBe(0);
  });

  it('survives a whole backlog completing at once (the flush that overflows bare aedes)', async () => {
    const gate = new DeliveryGate();
    let hold: (() => void)[] | undefined = [];
    gate.mq.on('t', (_m, done) => (hold ? hold.push(done) : done()));
    let delivered = 0;
    const total = 20_000;
    for (let i = 0; i < total; i++) gate.admit(() => gate.mq.emit({ topic: 't' }, () => delivered++));
    expect(gate.inflight).toBe(gate.limit);
    const backlog = hold;
    hold = undefined;
    for (const done of backlog) done(); // synchronous, like a subscriber's pending writes on close
    for (let i = 0; i < 100 && delivered < total; i++) await tick();
    expect(delivered).toBe(total);
  });

  it('delivers messages that bypass admission while the gate is full, without queueing them', async () => {
    // The broker's own publishes ($SYS notices of each connect, wills) are emitted without admit().
    const gate = new DeliveryGate(3);
    const held: (() => void)[] = [];
    gate.mq.on('t', (_m, done) => held.push(done));
    gate.mq.on('sys', (_m, done) => done()); // an in-process subscriber that completes at once
    for (let i = 0; i < 3; i++) gate.admit(() => gate.mq.emit({ topic: 't' }));
    let delivered = 0;
    const total = 20_000;
    for (let i = 0; i < total; i++) gate.mq.emit({ topic: 'sys' }, () => delivered++);
    expect(delivered).toBe(total);
    for (const done of held.splice(0)) done();
    await tick();
    expect(gate.inflight).toBe(0);
  });
});
