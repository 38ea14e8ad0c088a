import { describe, expect, it } from 'vitest';
import {
  CctvModel,
  createModel,
  localHour,
  PUMP_LIMITS,
  type SimDevice,
} from '../../src/simulators/index.ts';
import { Capture, HOUR, MIDNIGHT_SHANGHAI } from './capture.ts';

/** Runs one device for `days` simulated days on a fast clock: no timers, no broker. */
function runDays(device: Omit<SimDevice, 'secret'>, days = 1) {
  const capture = new Capture();
  const model = createModel(
    { ...device, secret: 'unused' },
    { site: 'demo', start: MIDNIGHT_SHANGHAI, seed: 7 },
    capture,
  );
  model.onConnect();
  model.tick(MIDNIGHT_SHANGHAI + days * 24 * HOUR);
  return { capture, model };
}

const hourOf = (ts: number | undefined) => localHour('Asia/Shanghai', ts!);

function expectCleanStream(capture: Capture, expectedTelemetry: number): void {
  expect(capture.failures).toEqual([]);
  const seqs = capture.decoded.map((m) => m.data.seq);
  expect(seqs).toEqual(seqs.map((_, i) => i)); // one counter per device, no gaps, no repeats
  expect(capture.decoded[0]).toMatchObject({ channel: 'status', data: { state: 'online' } });
  expect(capture.decoded.filter((m) => m.channel === 'telemetry').length).toBe(expectedTelemetry);
  expect(capture.decoded.filter((m) => m.channel === 'event')).toEqual([]); // a healthy day raises nothing
}

describe('one simulated day per model', () => {
  it('lift: stays within its floors, follows the traffic profile, never overspeeds', () => {
    const { capture } = runDays({ deviceId: 'L-1', kind: 'lift', floors: 18, basements: 2, interval_s: 10 });
    expectCleanStream(capture, 8640);
    const t = capture.telemetry('lift');
    for (const r of t) {
      expect(r.floor).toBeGreaterThanOrEqual(-2);
      expect(r.floor).toBeLessThanOrEqual(18);
      expect(r.floor).not.toBe(0);
      expect(r.speed_mps).toBeLessThanOrEqual(1.75);
      expect(r.mode).toBe('normal');
      if (r.door !== 'closed') expect(r.door_zone && r.speed_mps === 0).toBe(true);
      if (r.direction === 'stopped') expect(r.speed_mps).toBe(0);
      expect(r.occupied).toBe((r.load_kg ?? 0) > 0);
    }
    const runsIn = (from: number, to: number) => {
      const inWindow = t.filter((r) => hourOf(r.ts) >= from && hourOf(r.ts) < to);
      return inWindow.at(-1)!.runs_total - inWindow[0]!.runs_total;
    };
    expect(runsIn(7, 9)).toBeGreaterThan(5 * runsIn(2, 4));
    expect(runsIn(18, 20)).toBeGreaterThan(5 * runsIn(2, 4));
    expect(t.at(-1)!.door_cycles_total).toBeGreaterThan(t[0]!.door_cycles_total + 200);
    expect(new Set(t.map((r) => r.floor)).size).toBeGreaterThan(15);
    expect(t.some((r) => r.speed_mps === 1.75)).toBe(true);
  });

  it('pump room: pressure held at the setpoint, standby cuts in at the peaks, duty rotates, water quality normal', () => {
    const { capture } = runDays({ deviceId: 'P-1', kind: 'pump', interval_s: 10 }, 2);
    expectCleanStream(capture, 2 * 8640);
    const t = capture.telemetry('pump');
    const nearSetpoint = t.filter((r) => Math.abs(r.outlet_pressure_mpa - 0.45) <= 0.03).length;
    expect(nearSetpoint / t.length).toBeGreaterThan(0.98);
    for (const r of t) {
      expect(r.outlet_pressure_mpa).toBeGreaterThan(PUMP_LIMITS.outletLowMpa);
      expect(r.outlet_pressure_mpa).toBeLessThan(PUMP_LIMITS.outletHighMpa);
      expect(r.tank_level_m).toBeGreaterThan(PUMP_LIMITS.tankLowM);
      expect(r.tank_level_m).toBeLessThan(PUMP_LIMITS.tankHighM);
      expect(r.inlet_pressure_mpa).toBeGreaterThan(0.15);
      expect(r.residual_chlorine_mgpl).toBeGreaterThan(0.3);
      expect(r.residual_chlorine_mgpl).toBeLessThan(0.55);
      expect(r.turbidity_ntu).toBeGreaterThan(0.1);
      expect(r.turbidity_ntu).toBeLessThan(0.5);
      expect(r.pumps_running).toBeGreaterThanOrEqual(1);
      expect(r.current_a).toBeCloseTo(r.pumps_running * 15 * (r.frequency_hz / 50), 0);
      expect(r.flood_detected).toBe(false);
    }
    const flowAt = (h: number) => t.find((r) => hourOf(r.ts) >= h)!.flow_m3ph;
    expect(flowAt(7.3)).toBeGreaterThan(4 * flowAt(3));
    expect(flowAt(19.6)).toBeGreaterThan(4 * flowAt(3));
    expect(t.some((r) => r.pumps_running === 2)).toBe(true); // standby at the peaks
    expect(t.filter((r) => hourOf(r.ts) < 5).every((r) => r.pumps_running === 1)).toBe(true);
    expect(new Set(t.map((r) => r.duty_pump)).size).toBeGreaterThan(1); // 24 h duty rotation
    expect(
      Math.max(...t.map((r) => r.tank_level_m)) - Math.min(...t.map((r) => r.tank_level_m)),
    ).toBeGreaterThan(0.2);
  });

  it('lighting: on at night, off at noon, current follows working lamps, energy integrates', () => {
    const { capture } = runDays({ deviceId: 'LC-1', kind: 'lighting', interval_s: 30, lamps_total: 40 });
    expectCleanStream(capture, 2880);
    const t = capture.telemetry('lighting');
    const at = (h: number) => t.find((r) => hourOf(r.ts) >= h)!;
    expect(at(0.5).on).toBe(true);
    expect(at(23).on).toBe(true);
    expect(at(12).on).toBe(false);
    expect(at(12).ambient_lux).toBeGreaterThan(10_000);
    expect(at(0.5).ambient_lux).toBeLessThan(1);
    for (const r of t) {
      expect(r.voltage_v).toBeGreaterThan(215);
      expect(r.voltage_v).toBeLessThan(245);
      if (r.on) expect(r.current_a).toBeCloseTo((r.lamps_total - r.lamps_failed) * 0.18, 0);
      else expect(r.current_a).toBe(0);
      expect(r.emergency_battery_v).toBeGreaterThan(27);
    }
    // Midsummer Shanghai: dark from about 19:30 to 4:45, roughly 9 h of light.
    const litHours = (t.filter((r) => r.on).length * 30) / 3600;
    expect(litHours).toBeGreaterThan(8);
    expect(litHours).toBeLessThan(10.5);
    const used = t.at(-1)!.energy_kwh - t[0]!.energy_kwh;
    expect(used).toBeGreaterThan(litHours * 40 * 0.18 * 0.23 * 0.9);
    expect(used).toBeLessThan(litHours * 40 * 0.18 * 0.23 * 1.1);
  });

  it('cctv: all cameras online and recording, disks fill up to the recycle mark and no further', () => {
    const { capture } = runDays({ deviceId: 'NVR-1', kind: 'cctv', interval_s: 30 });
    expectCleanStream(capture, 2880);
    const t = capture.telemetry('cctv');
    for (const r of t) {
      expect(r).toMatchObject({
        cameras_total: 16,
        cameras_online: 16,
        cameras_recording: 16,
        disks_failed: 0,
      });
      expect(r.retention_days).toBeGreaterThan(30); // GB 50348 asks for 30 days
    }
    // 16 cameras at 4 Mbit/s write roughly 0.6 TB a day onto 32 TB.
    const grew = t.at(-1)!.disk_used_pct - t[0]!.disk_used_pct;
    expect(grew).toBeGreaterThan(1.2);
    expect(grew).toBeLessThan(2.5);

    // Small disks fill within a day or two, then the oldest footage is overwritten.
    const small = new Capture();
    const nvr = new CctvModel({
      site: 'demo',
      deviceId: 'NVR-2',
      interval_s: 60,
      start: MIDNIGHT_SHANGHAI,
      sink: small,
      disk_tb: 1,
    });
    nvr.tick(MIDNIGHT_SHANGHAI + 72 * HOUR);
    const s = small.telemetry('cctv');
    expect(Math.max(...s.map((r) => r.disk_used_pct))).toBe(95);
    expect(s.at(-1)!.disk_used_pct).toBe(95);
    expect(s.at(-1)!.retention_days).toBeGreaterThan(5);
    expect(s.at(-1)!.retention_days).toBeLessThan(7);
  });

  it('replays identically from the same seed', () => {
    const a = runDays({ deviceId: 'L-9', kind: 'lift', floors: 33, basements: 1 }).capture.raw.map(
      (m) => m.payload,
    );
    const b = runDays({ deviceId: 'L-9', kind: 'lift', floors: 33, basements: 1 }).capture.raw.map(
      (m) => m.payload,
    );
    expect(a).toEqual(b);
  });
});
