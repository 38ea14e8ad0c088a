import { describe, expect, it } from 'vitest';
import { RecentReadings } from '../../src/ingest/recent.ts';
import { decode } from '../../src/protocol/index.ts';

const T0 = Date.parse('2026-11-30T08:00:00Z');
const msg = (channel: string, data: object) => {
  const r = decode(`fm/demo/lift/L-1/${channel}`, Buffer.from(JSON.stringify(data)));
  if (!r.ok) throw new Error(r.detail);
  return r.message;
};
const telemetry = (seq: number, speed: number) =>
  msg('telemetry', {
    seq,
    floor: 3,
    direction: 'up',
    speed_mps: speed,
    door: 'closed',
    door_zone: false,
    occupied: true,
    mode: 'normal',
    door_cycles_total: 1,
    runs_total: 1,
  });

describe('the last hour of readings in memory', () => {
  it('answers status, the last reading and a range, oldest first, and forgets what is older than the window', async () => {
    let now = T0;
    const recent = new RecentReadings(() => now);
    for (let i = 0; i < 400; i++) recent.add(telemetry(i, i / 100), T0 + i * 10_000);
    recent.add(msg('status', { state: 'online' }), T0 + 5);
    now = T0 + 400 * 10_000;
    expect(await recent.lastStatus('L-1')).toEqual({ state: 'online', time: new Date(T0 + 5) });
    expect(await recent.lastReading('L-1')).toMatchObject({
      speed_mps: 3.99,
      seq: 399,
      time: new Date(now - 10_000),
    });
    const rows = await recent.history('L-1', {
      from: new Date(T0),
      to: new Date(now),
      fields: ['speed_mps'],
      limit: 1000,
    });
    // 4,000 s were sent; the hour before `now` is kept.
    expect(rows).toHaveLength(360);
    expect(rows[0]).toEqual({ speed_mps: 0.4, time: new Date(T0 + 40 * 10_000) });
    expect(await recent.lastReading('L-404')).toBeUndefined();
  });

  it('stays within its bounds per device and in all', () => {
    const recent = new RecentReadings(() => T0, { windowMs: 3_600_000, perDevice: 50, total: 120 });
    for (let i = 0; i < 100; i++) recent.add(telemetry(i, 1), T0 - 1000 + i);
    expect(recent.size).toBe(50);
    for (const id of ['L-2', 'L-3']) {
      for (let i = 0; i < 50; i++) {
        const m = telemetry(i, 1);
        recent.add({ ...m, deviceId: id }, T0 - 1000 + i);
      }
    }
    expect(recent.size).toBeLessThanOrEqual(120);
  });
});
