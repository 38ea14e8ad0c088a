import type { CommandPayload } from '../protocol/index.ts';
import { type CommandAnswer, clamp, DeviceModel, type ModelOptions, round } from './model.ts';
import { Drift } from './prng.ts';
import { clearSkyLux, HOUR_MS, localHour, solarElevationDeg } from './time.ts';

export interface LightingOptions extends ModelOptions {
  lamps_total?: number;
  /** Per-lamp current at 230 V (an 36 W LED luminaire with its driver draws about 0.18 A). */
  lamp_current_a?: number;
  /** `photocell`: on below the dusk threshold; `schedule`: on between `on_at` and `off_at` local time. */
  mode?: 'photocell' | 'schedule';
  on_at?: number;
  off_at?: number;
  /** The circuit feeds emergency luminaires with a central battery (GB 51309-2018). */
  emergency?: boolean;
  latitude?: number;
  longitude?: number;
}

/** Photocell thresholds with hysteresis so the contactor does not chatter at dusk. */
export const PHOTOCELL_LUX = { on: 20, off: 50 } as const;
/** Central emergency battery: 24 V nominal, 27.3 V on float; the charger flags below 21.6 V (0.9 x). */
export const EMERGENCY_BATTERY_V = { float: 27.3, fault: 19.8 } as const;
/** LED luminaire mean time to failure while lit; lamps fail rarely. */
const LAMP_MTTF_H = 30_000;
const POWER_FACTOR = 0.95;

/** A lighting circuit controller: contactor, photocell, current transformer, energy meter. */
export class LightingModel extends DeviceModel<'lighting'> {
  // A controller sees its own breaker trip and its charger's alarm; lamps out and daylight burning
  // are judgements the platform makes from the readings.
  protected readonly reported: ReadonlySet<string> = new Set(['circuit_trip', 'emergency_battery_fault']);
  protected readonly maxStepMs = 5000;
  private readonly lamps: number;
  private readonly lampA: number;
  private readonly mode: 'photocell' | 'schedule';
  private readonly onAt: number;
  private readonly offAt: number;
  private readonly emergency: boolean;
  private readonly lat: number;
  private readonly lon: number;
  private readonly clouds;
  private readonly mains;
  private on = false;
  private failedLamps = 0;
  private energy: number;
  private lux = 0;
  private voltage = 230;
  private current = 0;

  constructor(options: LightingOptions) {
    super('lighting', options);
    this.lamps = options.lamps_total ?? 40;
    this.lampA = options.lamp_current_a ?? 0.18;
    this.mode = options.mode ?? 'photocell';
    this.onAt = options.on_at ?? 18.5;
    this.offAt = options.off_at ?? 6;
    this.emergency = options.emergency ?? true;
    this.lat = options.latitude ?? 31.23;
    this.lon = options.longitude ?? 121.47;
    this.clouds = new Drift(this.rng, 0.2, 2 * HOUR_MS);
    this.mains = new Drift(this.rng, 2, 20 * 60_000);
    this.energy = round(this.rng.range(500, 20_000), 1);
    this.lux = this.ambient(0);
    this.on = this.wantOn();
  }

  protected advance(dtMs: number): void {
    this.lux = this.ambient(dtMs);
    if (this.mode === 'photocell') {
      if (this.lux < PHOTOCELL_LUX.on) this.on = true;
      else if (this.lux > PHOTOCELL_LUX.off) this.on = false;
    } else this.on = this.wantOn();
    // A welded contactor or a photocell stuck dark keeps the circuit lit whatever the daylight.
    if (this.active.has('lit_in_daylight')) this.on = true;
    const hour = localHour(this.timezone, this.now());
    // Supply voltage rises at night when the neighbourhood's load drops.
    this.voltage = 228 + 4 * (hour < 6 || hour > 23 ? 1 : 0) + this.mains.step(dtMs);
    const working = this.lamps - this.failedLamps;
    const tripped = this.active.has('circuit_trip');
    this.current = this.on && !tripped ? working * this.lampA * (this.voltage / 230) : 0;
    this.energy += (this.voltage * this.current * POWER_FACTOR * dtMs) / 3_600_000_000;
    if (this.current > 0 && this.rng.chance((working * dtMs) / (LAMP_MTTF_H * HOUR_MS))) this.failedLamps++;
  }

  protected readings() {
    return {
      on: this.on,
      mode: this.mode,
      current_a: round(this.current === 0 ? 0 : this.current + this.rng.normal(0, 0.02), 2),
      voltage_v: round(clamp(this.voltage, 0, 480), 1),
      lamps_total: this.lamps,
      lamps_failed: this.failedLamps,
      ambient_lux: round(this.lux, 1),
      energy_kwh: round(this.energy, 3),
      ...(this.emergency ? { emergency_battery_v: this.battery() } : {}),
    };
  }

  protected apply(code: string, on: boolean): boolean {
    if (code === 'emergency_battery_fault') return this.emergency;
    if (code === 'lamps_failed') {
      // A failed driver takes out a group: a quarter of the circuit; maintenance replaces them all.
      this.failedLamps = on ? Math.min(this.lamps, this.failedLamps + Math.ceil(this.lamps / 4)) : 0;
    }
    return true;
  }

  /**
   * `reset` recloses a tripped breaker through the controller's motorised recloser: the trip clears
   * (its `cleared` event goes out) and a reading shows the current back. Nothing tripped: refused.
   */
  protected override carryOut(command: CommandPayload['command']): CommandAnswer {
    if (command !== 'reset') return super.carryOut(command);
    if (!this.active.has('circuit_trip')) return { result: 'refused', detail: 'circuit not tripped' };
    this.clear('circuit_trip', 'reset by remote command');
    this.advance(0);
    this.reportNow();
    return { result: 'done', detail: 'breaker reclosed' };
  }

  private battery(): number {
    const v = this.active.has('emergency_battery_fault')
      ? EMERGENCY_BATTERY_V.fault
      : EMERGENCY_BATTERY_V.float;
    return round(v + this.rng.normal(0, 0.05), 2);
  }

  private ambient(dtMs: number): number {
    const sky = clearSkyLux(solarElevationDeg(this.now(), this.lat, this.lon));
    const cloud = clamp(0.75 + this.clouds.step(dtMs), 0.2, 1);
    return clamp(sky * cloud, 0, 200_000);
  }

  private wantOn(): boolean {
    const hour = localHour(this.timezone, this.now());
    return this.onAt > this.offAt
      ? hour >= this.onAt || hour < this.offAt
      : hour >= this.onAt && hour < this.offAt;
  }
}
