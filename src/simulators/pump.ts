import { clamp, DeviceModel, type ModelOptions, round } from './model.ts';
import { Drift } from './prng.ts';
import { bump, HOUR_MS, localHour } from './time.ts';

export interface PumpOptions extends ModelOptions {
  pumps_total?: number;
  /** Constant-pressure setpoint of the booster set, MPa. */
  setpoint_mpa?: number;
  /** Estate demand at the busiest minute of the day, m³/h. */
  peak_flow_m3ph?: number;
  tank_area_m2?: number;
}

/** Alarm limits of the booster controller; rules and docs use the same numbers. */
export const PUMP_LIMITS = {
  outletLowMpa: 0.3,
  outletHighMpa: 0.6,
  tankLowM: 0.5,
  tankHighM: 2.95,
  tankHeightM: 3,
} as const;

// Pump curve H = H0 (f/50)² - K q² (affinity laws): 0.75 MPa shut-off, 0.45 MPa at 25 m³/h per pump.
const H0 = 0.75;
const K = 0.00048;
const RATED_A = 15;
/** Duty rotation after this much running, so the pumps wear evenly (CJJ 140 practice). */
const ROTATE_AFTER_MS = 24 * HOUR_MS;
const BURST_M3PH = 120;
/** The float valve refills at this rate with the municipal main at 0.25 MPa. */
const REFILL_M3PH = 60;

/** Share of the peak demand by local hour: morning and evening peaks, little at night. */
export function waterDemandProfile(hour: number): number {
  return Math.min(
    1,
    0.1 +
      0.85 * bump(hour, 7.3, 1) +
      0.4 * bump(hour, 12, 1.5) +
      0.9 * bump(hour, 19.6, 1.6) +
      0.2 * bump(hour, 22.2, 0.8),
  );
}

/** A secondary water supply pump room: break tank, booster set on a VFD, water-quality analysers. */
export class PumpModel extends DeviceModel<'pump'> {
  protected readonly reported: ReadonlySet<string> = new Set([
    'outlet_pressure_low',
    'outlet_pressure_high',
    'tank_level_low',
    'tank_level_high',
    'pump_fault',
    'all_pumps_stopped',
    'flooding',
  ]);
  protected readonly maxStepMs = 1000;
  private readonly pumps: number;
  private readonly setpoint: number;
  private readonly peak: number;
  private readonly area: number;
  private readonly demandNoise;
  private readonly mainsNoise;
  private readonly turbidityNoise;
  private level: number;
  private floatOpen = false;
  private freq = 39;
  private running = 1;
  private duty = 0;
  private dutyRunMs: number;
  private readonly failed = new Set<number>();
  private faultedPump = 0;
  private chlorine: number;
  private flow = 0;
  private inlet = 0.25;
  private outlet: number;

  constructor(options: PumpOptions) {
    super('pump', options);
    this.pumps = options.pumps_total ?? 3;
    this.setpoint = options.setpoint_mpa ?? 0.45;
    this.peak = options.peak_flow_m3ph ?? 45;
    this.area = options.tank_area_m2 ?? 20;
    this.demandNoise = new Drift(this.rng, 0.08, 10 * 60_000);
    this.mainsNoise = new Drift(this.rng, 0.01, 30 * 60_000);
    this.turbidityNoise = new Drift(this.rng, 0.03, 2 * HOUR_MS);
    this.level = this.rng.range(2.4, 2.8);
    this.duty = this.rng.int(0, this.pumps - 1);
    this.dutyRunMs = this.rng.range(0, ROTATE_AFTER_MS);
    this.chlorine = this.rng.range(0.38, 0.45);
    this.outlet = this.setpoint;
  }

  protected advance(dtMs: number): void {
    const hour = localHour(this.timezone, this.now());
    const profile = waterDemandProfile(hour);
    const burst = this.active.has('outlet_pressure_low') ? BURST_M3PH : 0;
    const demand = Math.max(0, this.peak * profile * (1 + this.demandNoise.step(dtMs))) + burst;
    // The municipal main sags a little when the whole district draws at the peaks.
    this.inlet = this.active.has('tank_level_low')
      ? 0.02
      : clamp(0.26 - 0.04 * profile + this.mainsNoise.step(dtMs), 0.1, 0.4);
    this.runPumps(demand, dtMs, burst > 0);
    this.fillTank(dtMs);
    this.dutyRunMs += this.running > 0 ? dtMs : 0;
    if (this.dutyRunMs >= ROTATE_AFTER_MS) {
      this.duty = this.nextHealthy(this.duty);
      this.dutyRunMs = 0;
    }
  }

  private runPumps(demand: number, dtMs: number, burst: boolean): void {
    const available = this.pumps - this.failed.size;
    if (this.active.has('all_pumps_stopped') || available === 0) {
      this.running = 0;
      this.freq = 0;
      this.flow = 0;
      this.outlet = 0.02; // static head of the riser only
      return;
    }
    const need = (n: number) => 50 * Math.sqrt((this.setpoint + K * (demand / n) ** 2) / H0);
    let n = clamp(this.running, 1, available);
    // The standby pump cuts in when the duty pump cannot hold pressure, and drops out with hysteresis.
    if (need(n) > 49.5 && n < available) n++;
    else if (n > 1 && need(n - 1) < 46) n--;
    if (burst || this.active.has('outlet_pressure_high')) n = burst ? available : n;
    const target = burst || this.active.has('outlet_pressure_high') ? 50 : Math.min(50, need(n));
    // The VFD's PI loop lags a few seconds, so pressure wobbles around the setpoint as demand moves;
    // staging a pump in or out is sequenced by the controller at matched speed, without a surge.
    if (n !== this.running) this.freq = target;
    else this.freq += (target - this.freq) * (1 - Math.exp(-dtMs / 3000));
    this.running = n;
    const runout = Math.sqrt(Math.max(0, H0 * (this.freq / 50) ** 2 - 0.08) / K);
    this.flow = Math.min(demand, n * runout);
    const head = H0 * (this.freq / 50) ** 2 - K * (this.flow / n) ** 2;
    this.outlet = this.active.has('outlet_pressure_high') ? this.setpoint + 0.25 : Math.max(0.08, head);
  }

  private fillTank(dtMs: number): void {
    const h = PUMP_LIMITS.tankHeightM;
    if (this.level < 2.5) this.floatOpen = true;
    if (this.level > 2.8 && !this.active.has('tank_level_high')) this.floatOpen = false;
    const inflow =
      this.floatOpen && !this.active.has('tank_level_low') ? REFILL_M3PH * Math.sqrt(this.inlet / 0.25) : 0;
    const hours = dtMs / HOUR_MS;
    // The overflow pipe keeps the level just under the rim when the float valve sticks open.
    this.level = clamp(this.level + ((inflow - this.flow) * hours) / this.area, 0.05, h - 0.02);
    const volume = Math.max(1, this.level * this.area);
    // Residual chlorine: mixing with fresh municipal water, first-order decay in the tank.
    const inC = this.active.has('chlorine_out_of_range') ? 0.03 : 0.5;
    this.chlorine += ((inflow * hours) / volume) * (inC - this.chlorine) - 0.03 * this.chlorine * hours;
  }

  protected readings() {
    const noise = (sd: number) => this.rng.normal(0, sd);
    const turbidity = (this.active.has('turbidity_high') ? 1.6 : 0.28) + this.turbidityNoise.value;
    return {
      inlet_pressure_mpa: round(Math.max(0, this.inlet + noise(0.002)), 3),
      outlet_pressure_mpa: round(Math.max(0, this.outlet + noise(0.003)), 3),
      flow_m3ph: round(this.flow, 1),
      tank_level_m: round(this.level, 2),
      pumps_total: this.pumps,
      pumps_running: this.running,
      duty_pump: this.duty + 1,
      frequency_hz: round(this.freq, 1),
      current_a: round(this.running === 0 ? 0 : this.running * RATED_A * (this.freq / 50) + noise(0.1), 1),
      residual_chlorine_mgpl: round(Math.max(0, this.chlorine + noise(0.005)), 3),
      turbidity_ntu: round(clamp(turbidity + noise(0.01), 0.05, 20), 2),
      flood_detected: this.active.has('flooding'),
    };
  }

  protected apply(code: string, on: boolean): boolean {
    switch (code) {
      case 'tank_level_low':
        // The scenario compresses the hours a cut supply takes to drain the tank.
        this.level = on ? Math.min(this.level, PUMP_LIMITS.tankLowM - 0.1) : Math.max(this.level, 0.9);
        break;
      case 'tank_level_high':
        this.floatOpen = on;
        this.level = on ? PUMP_LIMITS.tankHeightM - 0.02 : 2.7;
        break;
      case 'chlorine_out_of_range':
        this.chlorine = on ? 0.03 : 0.42;
        break;
      case 'turbidity_high':
        this.turbidityNoise.value = 0;
        break;
      case 'pump_fault':
        if (this.failed.size >= this.pumps) return false;
        if (on) {
          this.faultedPump = this.duty;
          this.failed.add(this.duty);
          this.duty = this.nextHealthy(this.duty);
        } else this.failed.delete(this.faultedPump);
        break;
    }
    return true;
  }

  protected override eventFields(code: string): Record<string, unknown> {
    return code === 'pump_fault' ? { pump: this.faultedPump + 1 } : {};
  }

  private nextHealthy(from: number): number {
    for (let i = 1; i <= this.pumps; i++) {
      const p = (from + i) % this.pumps;
      if (!this.failed.has(p)) return p;
    }
    return from;
  }
}
