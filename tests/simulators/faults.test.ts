import { describe, expect, it } from 'vitest';
import { EVENT_CODES, type Kind, PAYLOAD_SCHEMAS } from '../../src/protocol/index.ts';
import { createModel, faultsOf, PUMP_LIMITS } from '../../src/simulators/index.ts';
import { Capture, HOUR, MIDNIGHT_SHANGHAI } from './capture.ts';

// Readings of any kind, loosely typed: each expectation reads the fields of its own kind.
// biome-ignore lint/suspicious/noExplicitAny: a table over four payload types
type Reading = Record<string, any>;
interface Expect {
  /** Local hour to inject at (lighting needs night or day). */
  hour?: number;
  /** Holds for every reading while the fault is active (`some`: for at least one). */
  during: (r: Reading) => boolean;
  some?: boolean;
  /** Holds for the last reading two minutes after recovery. */
  after: (r: Reading) => boolean;
}

const normalLift = (r: Reading) => r.mode === 'normal' && r.speed_mps <= 1.75;
const LIFT: Record<string, Expect> = {
  entrapment: {
    during: (r) => r.speed_mps === 0 && !r.door_zone && r.door === 'closed' && r.occupied,
    after: normalLift,
  },
  moving_door_open: { during: (r) => r.speed_mps > 0 && r.door === 'open', some: true, after: normalLift },
  stop_outside_door_zone: {
    during: (r) =>
      r.speed_mps === 0 && !r.door_zone && r.door === 'closed' && !r.occupied && r.mode === 'out_of_service',
    after: normalLift,
  },
  overspeed: { during: (r) => r.speed_mps > 1.75 * 1.15, some: true, after: normalLift },
  top_overtravel: { during: (r) => r.floor === 18 && !r.door_zone && r.speed_mps === 0, after: normalLift },
  bottom_overtravel: {
    during: (r) => r.floor === -2 && !r.door_zone && r.speed_mps === 0,
    after: normalLift,
  },
  safety_circuit_open: {
    during: (r) => r.speed_mps === 0 && r.mode === 'out_of_service' && r.door === 'closed',
    after: normalLift,
  },
  door_lock_fault: {
    during: (r) => r.speed_mps === 0 && r.door_zone && r.door === 'closed' && r.mode === 'out_of_service',
    after: normalLift,
  },
  door_open_failure: {
    during: (r) => r.speed_mps === 0 && r.door_zone && r.door === 'closed',
    after: normalLift,
  },
  door_close_failure: {
    during: (r) => r.speed_mps === 0 && r.door_zone && r.door === 'open',
    after: normalLift,
  },
  power_loss: { during: (r) => r.speed_mps === 0 && r.mode === 'out_of_service', after: normalLift },
  alarm_button: { during: (r) => r.occupied && r.load_kg >= 70, after: normalLift },
};
const pressureOk = (r: Reading) => Math.abs(r.outlet_pressure_mpa - 0.45) < 0.05 && r.pumps_running >= 1;
const PUMP: Record<string, Expect> = {
  outlet_pressure_low: {
    during: (r) => r.outlet_pressure_mpa < PUMP_LIMITS.outletLowMpa && r.frequency_hz === 50,
    after: pressureOk,
  },
  outlet_pressure_high: {
    during: (r) => r.outlet_pressure_mpa > PUMP_LIMITS.outletHighMpa,
    after: pressureOk,
  },
  tank_level_low: {
    during: (r) => r.tank_level_m < PUMP_LIMITS.tankLowM && r.inlet_pressure_mpa < 0.05,
    after: (r) => r.tank_level_m > PUMP_LIMITS.tankLowM,
  },
  tank_level_high: {
    during: (r) => r.tank_level_m > PUMP_LIMITS.tankHighM,
    after: (r) => r.tank_level_m < PUMP_LIMITS.tankHighM,
  },
  pump_fault: { during: (r) => r.pumps_running >= 1 && pressureOk(r), after: pressureOk },
  all_pumps_stopped: {
    during: (r) => r.pumps_running === 0 && r.current_a === 0 && r.frequency_hz === 0 && r.flow_m3ph === 0,
    after: pressureOk,
  },
  flooding: { during: (r) => r.flood_detected === true, after: (r) => r.flood_detected === false },
  chlorine_out_of_range: {
    during: (r) => r.residual_chlorine_mgpl < 0.05,
    after: (r) => r.residual_chlorine_mgpl > 0.3,
  },
  turbidity_high: { during: (r) => r.turbidity_ntu > 1, after: (r) => r.turbidity_ntu < 0.5 },
};
const lit = (r: Reading) => r.on && r.current_a > 5;
const LIGHTING: Record<string, Expect> = {
  circuit_trip: { hour: 23, during: (r) => r.on && r.current_a === 0, after: lit },
  lamps_failed: {
    hour: 23,
    during: (r) => r.lamps_failed >= 10 && Math.abs(r.current_a - (40 - r.lamps_failed) * 0.18) < 0.5,
    after: (r) => lit(r) && r.lamps_failed === 0,
  },
  lit_in_daylight: {
    hour: 12,
    during: (r) => r.on && r.current_a > 5 && r.ambient_lux > 10_000,
    after: (r) => !r.on && r.current_a === 0,
  },
  emergency_battery_fault: {
    during: (r) => r.emergency_battery_v < 21.6,
    after: (r) => r.emergency_battery_v > 27,
  },
};
const allCameras = (r: Reading) =>
  r.cameras_online === 16 && r.cameras_recording === 16 && r.disks_failed === 0;
const CCTV: Record<string, Expect> = {
  camera_offline: { during: (r) => r.cameras_online === 15 && r.cameras_recording === 15, after: allCameras },
  video_loss: { during: (r) => r.cameras_online === 16 && r.cameras_recording === 15, after: allCameras },
  not_recording: { during: (r) => r.cameras_online === 16 && r.cameras_recording === 0, after: allCameras },
  disk_failure: { during: (r) => r.disks_failed === 1 && r.disk_used_pct <= 71.25, after: allCameras },
  tamper: { during: allCameras, after: allCameras },
  intrusion: { during: allCameras, after: allCameras },
};
const TABLES: Record<Kind, Record<string, Expect>> = {
  lift: LIFT,
  pump: PUMP,
  lighting: LIGHTING,
  cctv: CCTV,
};

function setup(kind: Kind, hour = 3) {
  const capture = new Capture();
  const start = MIDNIGHT_SHANGHAI + hour * HOUR - 10 * 60_000;
  const model = createModel(
    { deviceId: `X-${kind}`, kind, secret: 'x', floors: 18, basements: 2, interval_s: 10 },
    { site: 'demo', start, seed: 3 },
    capture,
  );
  model.onConnect();
  model.step(10 * 60_000); // settle into normal running
  return { capture, model };
}

describe.each(Object.keys(TABLES) as Kind[])('%s faults', (kind) => {
  it('has an expectation for every protocol event code', () => {
    expect(Object.keys(TABLES[kind]).sort()).toEqual(EVENT_CODES[kind].map((c) => c.code).sort());
  });

  it.each(Object.entries(TABLES[kind]))(
    '%s shows in the readings, is reported as the device would, and recovers',
    (code, ex) => {
      const { capture, model } = setup(kind, ex.hour);
      const before = capture.mark();
      expect(model.raise(code)).toBe(true);
      expect(model.raise(code)).toBe(false); // already active
      model.step(3 * 60_000);
      const during = capture.since(kind, before) as Reading[];
      expect(during.length).toBeGreaterThanOrEqual(17);
      if (ex.some) expect(during.some(ex.during)).toBe(true);
      else expect(during.filter((r) => !ex.during(r))).toEqual([]);
      const raised = capture.eventsSince(before).filter((e) => e.code === code);
      expect(raised.map((e) => e.state)).toEqual(model.reports(code) ? ['raised'] : []);
      if (kind === 'lift' && raised[0]) expect(typeof raised[0].floor).toBe('number');
      if (kind === 'cctv' && code !== 'not_recording' && code !== 'disk_failure')
        expect(raised[0]?.camera).toMatch(/^ch\d\d$/);
      if (code === 'pump_fault') expect(during.every((r) => r.duty_pump !== raised[0]?.pump)).toBe(true);

      const recovery = capture.mark();
      expect(model.clear(code)).toBe(true);
      model.step(2 * 60_000);
      const after = capture.since(kind, recovery) as Reading[];
      expect(ex.after(after.at(-1)!)).toBe(true);
      const cleared = capture.eventsSince(recovery).filter((e) => e.code === code);
      expect(cleared.map((e) => e.state)).toEqual(model.reports(code) ? ['cleared'] : []);
      expect(model.faults()).toEqual([]);
      expect(capture.failures).toEqual([]);
    },
  );

  it('heartbeat_loss stops telemetry but keeps events flowing, and resumes', () => {
    const { capture, model } = setup(kind);
    const mark = capture.mark();
    model.raise('heartbeat_loss');
    model.step(5 * 60_000);
    const code = EVENT_CODES[kind].find((c) => model.reports(c.code))!.code;
    model.raise(code);
    expect(capture.since(kind, mark)).toEqual([]);
    expect(capture.eventsSince(mark).map((e) => e.code)).toEqual([code]);
    model.clear('heartbeat_loss');
    model.step(60_000);
    expect(capture.since(kind, mark).length).toBeGreaterThanOrEqual(5);
    expect(capture.drops).toBe(0);
  });

  it('offline drops the connection, keeps events for the reconnect, and comes back online', () => {
    const { capture, model } = setup(kind);
    const mark = capture.mark();
    model.raise('offline');
    expect(capture.drops).toBe(1);
    const code = EVENT_CODES[kind].find((c) => model.reports(c.code))!.code;
    model.raise(code);
    model.step(5 * 60_000);
    expect(capture.decoded.length).toBe(mark); // nothing leaves a disconnected device
    model.clear('offline');
    expect(capture.restores).toBe(1);
    model.onConnect(); // what the fleet does once the new connection is up
    const back = capture.decoded.slice(mark);
    expect(back[0]).toMatchObject({ channel: 'status', data: { state: 'online' } });
    expect(back[1]).toMatchObject({ channel: 'event', data: { code, state: 'raised' } });
    expect(PAYLOAD_SCHEMAS[kind].status.safeParse(back[0]!.data).success).toBe(true);
  });

  it('refuses faults of other kinds', () => {
    const { model } = setup(kind);
    const foreign = (['lift', 'pump', 'lighting', 'cctv'] as Kind[])
      .filter((k) => k !== kind)
      .flatMap((k) => EVENT_CODES[k].map((c) => c.code));
    for (const code of foreign) if (!faultsOf(kind).includes(code)) expect(model.raise(code)).toBe(false);
    expect(model.faults()).toEqual([]);
  });
});
