import { drawTrip, type Trip, tripsPerHour } from './lift-traffic.ts';
import { DeviceModel, type ModelOptions, round } from './model.ts';
import { HOUR_MS, localHour } from './time.ts';

export interface LiftOptions extends ModelOptions {
  /** Floors above ground; the lobby is floor 1 (Chinese numbering, no floor 0). */
  floors: number;
  /** Basement levels below the lobby (garage), numbered -1, -2... */
  basements?: number;
  floor_height_m?: number;
  rated_speed_mps?: number;
  accel_mps2?: number;
}

type Phase = 'idle' | 'moving' | 'opening' | 'open' | 'closing';
type Halt = {
  at: 'here' | 'between' | 'floor' | 'above' | 'below';
  door: 'closed' | 'open';
  people: 'keep' | 'empty' | 'one';
};

/** How each halting fault leaves the car; the car stays there until every halting fault clears. */
const HALTS: Record<string, Halt> = {
  // GB/T 24476: stopped outside the door zone, doors closed, someone inside.
  entrapment: { at: 'between', door: 'closed', people: 'one' },
  stop_outside_door_zone: { at: 'between', door: 'closed', people: 'empty' },
  top_overtravel: { at: 'above', door: 'closed', people: 'empty' },
  bottom_overtravel: { at: 'below', door: 'closed', people: 'empty' },
  // An emergency stop: the car stays wherever the open safety chain caught it.
  safety_circuit_open: { at: 'here', door: 'closed', people: 'empty' },
  power_loss: { at: 'here', door: 'closed', people: 'empty' },
  // The controller will not start without a proven door lock: it levels and waits, doors shut.
  door_lock_fault: { at: 'floor', door: 'closed', people: 'empty' },
  door_open_failure: { at: 'floor', door: 'closed', people: 'keep' },
  door_close_failure: { at: 'floor', door: 'open', people: 'empty' },
};

const PASSENGER_KG = 70;
/** Levelling (door) zone half-width; GB/T 7588.1 unlocking zone is at most 0.2 m. */
const DOOR_ZONE_M = 0.15;
const DOOR_MS = { opening: 2500, closing: 3000, dwell: 3000, perPerson: 1500 };
/** Overspeed governor trips at >= 115 % of rated speed (GB/T 7588.1 5.6.2.2.1). */
const OVERSPEED_FACTOR = 1.2;

/** A traction lift in a residential tower, monitored by a GB/T 24476 IoT terminal. */
export class LiftModel extends DeviceModel<'lift'> {
  protected readonly reported: ReadonlySet<string> = new Set(
    Object.keys(HALTS).concat('moving_door_open', 'overspeed', 'alarm_button'),
  );
  protected readonly maxStepMs = 250;
  private readonly levels: number[];
  private readonly lobby: number;
  private readonly h: number;
  private readonly rated: number;
  private readonly accel: number;
  private pos: number;
  private v = 0;
  private phase: Phase = 'idle';
  private phaseLeft = 0;
  private target = 0;
  private trip: (Trip & { boarded: boolean }) | undefined;
  private readonly queue: Trip[] = [];
  private load = 0;
  private doorCycles: number;
  private runs: number;
  private haltDoor: 'closed' | 'open' = 'closed';
  private alarmPassenger = false;

  constructor(options: LiftOptions) {
    super('lift', options);
    const basements = options.basements ?? 0;
    const floors = Math.max(2, options.floors);
    this.levels = [
      ...Array.from({ length: basements }, (_, i) => i - basements),
      ...Array.from({ length: floors }, (_, i) => i + 1),
    ];
    this.lobby = basements;
    this.h = options.floor_height_m ?? 3;
    this.rated = options.rated_speed_mps ?? 1.75;
    this.accel = options.accel_mps2 ?? 0.8;
    this.pos = this.lobby * this.h;
    // A lift already in service for a while: counters do not start at zero.
    this.runs = this.rng.int(20_000, 400_000);
    this.doorCycles = this.runs * 2 + this.rng.int(0, 5000);
  }

  get floorRange(): [number, number] {
    return [this.levels[0]!, this.levels[this.levels.length - 1]!];
  }

  protected advance(dtMs: number): void {
    const hour = localHour(this.timezone, this.now());
    if (
      this.queue.length < 20 &&
      this.rng.chance((tripsPerHour(hour, this.levels.length) * dtMs) / HOUR_MS)
    ) {
      this.queue.push(drawTrip(this.rng, hour, this.levels.length, this.lobby));
    }
    if (this.halted()) {
      this.v = 0;
      return;
    }
    if (this.phase === 'moving') this.move(dtMs / 1000);
    else if (this.phase === 'idle') this.dispatch();
    else this.doors(dtMs);
  }

  private doors(dtMs: number): void {
    this.phaseLeft -= dtMs;
    if (this.phaseLeft > 0) return;
    if (this.phase === 'opening') {
      this.phase = 'open';
      this.phaseLeft = DOOR_MS.dwell + this.exchange() * DOOR_MS.perPerson;
    } else if (this.phase === 'open') {
      this.phase = 'closing';
      this.phaseLeft = DOOR_MS.closing;
    } else this.phase = 'idle';
  }

  protected readings() {
    const index = this.nearest();
    const offset = Math.abs(this.pos - index * this.h);
    const moving = this.phase === 'moving' && !this.halted();
    let door: 'open' | 'opening' | 'closing' | 'closed' = 'closed';
    if (this.halted()) door = this.haltDoor;
    else if (moving) door = this.active.has('moving_door_open') ? 'open' : 'closed';
    else if (this.phase !== 'idle') door = this.phase as 'opening' | 'open' | 'closing';
    return {
      floor: this.levels[index]!,
      direction: moving
        ? this.target * this.h > this.pos
          ? ('up' as const)
          : ('down' as const)
        : ('stopped' as const),
      speed_mps: round(this.v, 2),
      door,
      door_zone: offset <= DOOR_ZONE_M,
      occupied: this.load > 0,
      load_kg: Math.round(this.load),
      mode: this.halted() ? ('out_of_service' as const) : ('normal' as const),
      door_cycles_total: this.doorCycles,
      runs_total: this.runs,
    };
  }

  protected apply(code: string, on: boolean): boolean {
    const halt = HALTS[code];
    if (code === 'alarm_button') {
      // Someone pressed it, so someone is in the car; they leave when it is answered.
      if (on && this.load === 0) {
        this.load = PASSENGER_KG;
        this.alarmPassenger = true;
      } else if (!on && this.alarmPassenger) {
        this.load = Math.max(0, this.load - PASSENGER_KG);
        this.alarmPassenger = false;
      }
      return true;
    }
    if (!halt) return true; // overspeed, moving_door_open: shown while the car runs (see dispatch)
    if (on) {
      this.stopFor(halt);
    } else if (!this.halted()) {
      this.recover();
    }
    return true;
  }

  protected override eventFields(): Record<string, unknown> {
    return { floor: this.levels[this.nearest()]! };
  }

  private halted(): boolean {
    for (const code of this.active) if (HALTS[code]) return true;
    return false;
  }

  /** Faults that make the car run so the readings show them: a shuttle between the end floors. */
  private shuttling(): boolean {
    return this.active.has('overspeed') || this.active.has('moving_door_open');
  }

  private nearest(): number {
    return Math.min(this.levels.length - 1, Math.max(0, Math.round(this.pos / this.h)));
  }

  private dispatch(): void {
    if (!this.trip) {
      const next = this.queue.shift();
      if (next) this.trip = { ...next, boarded: false };
    }
    if (!this.trip) {
      if (this.shuttling())
        this.startRun(this.nearest() < this.levels.length / 2 ? this.levels.length - 1 : 0);
      return;
    }
    const goal = this.trip.boarded ? this.trip.to : this.trip.from;
    if (goal === this.nearest() && Math.abs(this.pos - goal * this.h) < 1e-6) this.openDoors();
    else this.startRun(goal);
  }

  private startRun(target: number): void {
    this.target = target;
    this.phase = 'moving';
    this.runs++;
  }

  private move(dt: number): void {
    const goal = this.target * this.h;
    const d = goal - this.pos;
    const vmax = this.rated * (this.active.has('overspeed') ? OVERSPEED_FACTOR : 1);
    const braking = (this.v * this.v) / (2 * this.accel);
    this.v =
      Math.abs(d) > braking + this.v * dt
        ? Math.min(vmax, this.v + this.accel * dt)
        : Math.max(0.05, this.v - this.accel * dt);
    const step = Math.min(Math.abs(d), this.v * dt);
    this.pos += Math.sign(d) * step;
    if (Math.abs(goal - this.pos) > 1e-6) return;
    this.pos = goal;
    this.v = 0;
    if (this.trip) this.openDoors();
    else this.phase = 'idle';
  }

  private openDoors(): void {
    this.phase = 'opening';
    this.phaseLeft = DOOR_MS.opening;
    this.doorCycles++;
  }

  /** Passengers board or alight while the doors stand open; returns how many moved (dwell time). */
  private exchange(): number {
    const trip = this.trip;
    if (!trip) return 0;
    const here = this.nearest();
    if (!trip.boarded && here === trip.from) {
      trip.boarded = true;
      this.load += trip.people * PASSENGER_KG;
      return trip.people;
    }
    if (trip.boarded && here === trip.to) {
      this.trip = undefined;
      this.load = Math.max(0, this.load - trip.people * PASSENGER_KG);
      return trip.people;
    }
    return 0;
  }

  private stopFor(halt: Halt): void {
    this.v = 0;
    const top = (this.levels.length - 1) * this.h;
    const index = this.nearest();
    if (halt.at === 'floor') this.pos = index * this.h;
    else if (halt.at === 'above') this.pos = top + 0.4;
    else if (halt.at === 'below') this.pos = -0.4;
    else if (halt.at === 'between' && Math.abs(this.pos - index * this.h) <= DOOR_ZONE_M) {
      this.pos = index * this.h + (this.pos + 1.3 <= top ? 1.3 : -1.3);
    }
    this.haltDoor = halt.door;
    this.phase = 'idle';
    if (halt.people === 'empty') this.emptyCar();
    else if (halt.people === 'one' && this.load === 0) this.load = PASSENGER_KG;
  }

  /**
   * Back in service: the car relevels to the nearest floor and opens its doors, and whoever was
   * inside gets out (a rescue, or the passengers of an interrupted trip).
   */
  private recover(): void {
    this.pos = this.nearest() * this.h;
    this.emptyCar();
    this.openDoors();
  }

  private emptyCar(): void {
    this.trip = undefined;
    this.load = this.alarmPassenger ? PASSENGER_KG : 0;
  }
}
