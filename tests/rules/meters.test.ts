/** The meter sampler: counters of a telemetry message, at most once per device per interval. */
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../src/protocol/index.ts';
import { MeterSampler } from '../../src/rules/meters.ts';

const lift = (deviceId: string, runs: number) => {
  const m = encode({ site: 's', kind: 'lift', deviceId }, 'telemetry', {
    seq: runs,
    floor: 1,
    direction: 'stopped',
    speed_mps: 0,
    door: 'closed',
    door_zone: true,
    occupied: false,
    mode: 'normal',
    door_cycles_total: runs * 2,
    runs_total: runs,
  });
  const r = decode(m.topic, Buffer.from(m.payload));
  if (!r.ok) throw new Error(r.detail);
  return r.message;
};

describe('MeterSampler', () => {
  it('passes a device’s counters at most once per interval, each device on its own', () => {
    const s = new MeterSampler(60_000);
    expect(s.sample(lift('A', 10), 0)).toEqual({
      type: 'meters',
      deviceId: 'A',
      readings: { runs_total: 10, door_cycles_total: 20 },
      at: 0,
    });
    expect(s.sample(lift('A', 11), 30_000)).toBeUndefined();
    expect(s.sample(lift('B', 5), 30_000)?.readings.runs_total).toBe(5);
    expect(s.sample(lift('A', 12), 60_000)?.readings.runs_total).toBe(12);
    // A clock set back (a restored fake clock, a corrected host clock) does not silence a device.
    expect(s.sample(lift('A', 13), 1000)?.readings.runs_total).toBe(13);
  });

  it('passes nothing for events, or telemetry without counters (a pump that does not count hours)', () => {
    const s = new MeterSampler(0);
    const e = encode({ site: 's', kind: 'lift', deviceId: 'A' }, 'event', {
      seq: 1,
      code: 'alarm_button',
      state: 'raised',
    });
    const r = decode(e.topic, Buffer.from(e.payload));
    expect(r.ok && s.sample(r.message, 0)).toBeUndefined();
  });
});
