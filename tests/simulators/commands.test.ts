import { describe, expect, it } from 'vitest';
import { decodeReply, encodeCommand } from '../../src/protocol/index.ts';
import { answerCommand, createModel, type SimDevice } from '../../src/simulators/index.ts';
import { Capture, HOUR, MIDNIGHT_SHANGHAI } from './capture.ts';

function device(d: Omit<SimDevice, 'secret'>) {
  const capture = new Capture();
  const model = createModel(
    { ...d, secret: 'x' },
    { site: 'demo', start: MIDNIGHT_SHANGHAI + 22 * HOUR, seed: 5 },
    capture,
  );
  model.onConnect();
  model.step(5 * 60_000);
  return { capture, model };
}

const NOW = Date.UTC(2026, 10, 30, 12);
const payload = (id: string, command: 'reset' | 'report-now', expires = NOW + 60_000) =>
  Buffer.from(
    encodeCommand(
      { site: 'demo', kind: 'lighting', deviceId: 'LC-1' },
      { id, command, ts: NOW, expires_at: expires },
    ).payload,
  );
const replies = (c: Capture) =>
  c.raw
    .filter((m) => m.channel === 'reply')
    .map((m) => {
      const r = decodeReply(m.topic, Buffer.from(m.payload));
      return r.ok ? r.reply : undefined;
    });

describe('simulated devices answer commands', () => {
  it('report-now: a reading at once, then the answer', () => {
    const { capture, model } = device({ deviceId: 'L-1', kind: 'lift' });
    const before = capture.raw.length;
    expect(answerCommand(model, payload('c-1', 'report-now'), NOW)).toMatchObject({
      answered: true,
      result: 'done',
    });
    expect(capture.raw.slice(before).map((m) => m.channel)).toEqual(['telemetry', 'reply']);
    expect(replies(capture)).toEqual([expect.objectContaining({ id: 'c-1', result: 'done' })]);
  });

  it('reset: refused while nothing tripped; a tripped circuit recloses once, a repeat is answered alike', () => {
    const { capture, model } = device({ deviceId: 'LC-1', kind: 'lighting' });
    expect(answerCommand(model, payload('c-1', 'reset'), NOW)).toMatchObject({
      result: 'refused',
      detail: 'circuit not tripped',
    });
    model.raise('circuit_trip');
    model.step(20_000);
    expect(capture.telemetry('lighting').at(-1)).toMatchObject({ on: true, current_a: 0 });
    const mark = capture.mark();
    expect(answerCommand(model, payload('c-2', 'reset'), NOW)).toMatchObject({ result: 'done' });
    expect(model.faults()).not.toContain('circuit_trip');
    expect(capture.eventsSince(mark)).toEqual([
      expect.objectContaining({ code: 'circuit_trip', state: 'cleared' }),
    ]);
    expect(capture.since('lighting', mark).at(-1)!.current_a).toBeGreaterThan(0);

    // The same id again (a QoS 1 redelivery) after the circuit tripped anew: the first answer, no second reset.
    model.raise('circuit_trip');
    expect(answerCommand(model, payload('c-2', 'reset'), NOW)).toMatchObject({ result: 'done' });
    expect(model.faults()).toContain('circuit_trip');
    expect(replies(capture).map((r) => [r?.id, r?.result])).toEqual([
      ['c-1', 'refused'],
      ['c-2', 'done'],
      ['c-2', 'done'],
    ]);
  });

  it('drops a command past its deadline and anything that is not a command, answering nothing', () => {
    const { capture, model } = device({ deviceId: 'LC-1', kind: 'lighting' });
    model.raise('circuit_trip');
    expect(answerCommand(model, payload('c-3', 'reset', NOW - 1), NOW)).toEqual({
      answered: false,
      reason: 'expired',
    });
    expect(answerCommand(model, Buffer.from('{"id":"c-4"}'), NOW)).toEqual({
      answered: false,
      reason: 'invalid-fields',
    });
    expect(model.faults()).toContain('circuit_trip');
    expect(replies(capture)).toEqual([]);
  });

  it('refuses a command its kind does not take', () => {
    const { model } = device({ deviceId: 'P-1', kind: 'pump' });
    expect(answerCommand(model, payload('c-5', 'reset'), NOW)).toMatchObject({ result: 'refused' });
  });
});
