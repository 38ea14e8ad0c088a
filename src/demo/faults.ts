/**
 * The demo's fleet develops a fault now and then, so a newcomer sees the whole chain within minutes
 * of `facility start`: a lift traps someone, a pump loses pressure, a circuit trips, a camera goes
 * dark; the record appears on the desk, is dispatched, lands on the engineer's phone. Each fault
 * clears by itself a few minutes later, as most real ones are cleared by the engineer's visit.
 */
import { type Clock, systemClock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Kind } from '../protocol/index.ts';

export interface DemoFault {
  kind: Kind;
  fault: string;
}

/** Faults of every kind, the ones a service centre sees most (DESIGN.md's vocabulary). */
export const DEMO_FAULTS: readonly DemoFault[] = [
  { kind: 'lift', fault: 'entrapment' },
  { kind: 'lift', fault: 'door_open_failure' },
  { kind: 'pump', fault: 'outlet_pressure_low' },
  { kind: 'lighting', fault: 'circuit_trip' },
  { kind: 'cctv', fault: 'video_loss' },
];

export interface DemoFaultOptions {
  /** The first fault after this long (default 2 minutes: the fleet has settled, the desk is open). */
  firstAfterMs?: number;
  /** Then one every this long on average (default 20 minutes: a few an hour). */
  meanEveryMs?: number;
  /** A fault clears after this long, up to twice it (default 4 minutes). */
  clearAfterMs?: number;
  /**
   * The most of a kind's device-time its faults may take in any 24 hours (default 0.008): the demo
   * keeps each kind's equipment intact rate (设备完好率) above the 99% target the managers report
   * against, with room for the minute or so detection and recovery add to each outage. A fault that
   * would exceed it gives its turn to the next kind.
   */
  maxDownFraction?: number;
}

interface Target {
  inject(deviceId: string, fault: string, action: 'raise' | 'clear'): boolean;
}

/**
 * Starts the demo's faults on `devices` (id and kind); returns stop(), which clears any fault still
 * raised. `random` and `now` are injectable so tests choose the faults and the time.
 */
export function startDemoFaults(
  fleet: Target,
  devices: readonly { deviceId: string; kind: Kind }[],
  log: Logger,
  o: DemoFaultOptions = {},
  random: () => number = Math.random,
  now: Clock = systemClock,
): { stop(): void; raised(): number } {
  const firstAfterMs = o.firstAfterMs ?? 2 * 60_000;
  const meanEveryMs = o.meanEveryMs ?? 20 * 60_000;
  const clearAfterMs = o.clearAfterMs ?? 4 * 60_000;
  const maxDown = o.maxDownFraction ?? 0.008;
  const DAY = 86_400_000;
  /** Faults begun in the last 24 hours, per kind: when, and for how long. */
  const recent = new Map<Kind, { at: number; ms: number }[]>();
  const fits = (kind: Kind, ms: number, at: number) => {
    const list = (recent.get(kind) ?? []).filter((f) => f.at > at - DAY);
    recent.set(kind, list);
    const used = list.reduce((sum, f) => sum + f.ms, 0);
    const count = devices.filter((d) => d.kind === kind).length;
    return used + ms <= maxDown * count * DAY;
  };
  const timers = new Set<NodeJS.Timeout>();
  const active = new Map<string, string>();
  let count = 0;
  let turn = 0;
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    timers.add(timer);
  };
  const next = () => {
    // Kinds take turns, so the first few faults show different trades; the device is random.
    // A kind over its downtime budget passes the turn on (at most once round all of them).
    const lasts = clearAfterMs * (1 + random());
    const at = now();
    let fault = DEMO_FAULTS[turn++ % DEMO_FAULTS.length]!;
    for (let i = 1; i < DEMO_FAULTS.length && !fits(fault.kind, lasts, at); i++)
      fault = DEMO_FAULTS[turn++ % DEMO_FAULTS.length]!;
    const candidates = devices.filter((d) => d.kind === fault.kind && !active.has(d.deviceId));
    const device = fits(fault.kind, lasts, at)
      ? candidates[Math.floor(random() * candidates.length)]
      : undefined;
    if (device && fleet.inject(device.deviceId, fault.fault, 'raise')) {
      count += 1;
      active.set(device.deviceId, fault.fault);
      recent.get(fault.kind)!.push({ at, ms: lasts });
      log.info(
        { deviceId: device.deviceId, fault: fault.fault },
        `demo: ${device.deviceId} develops ${fault.fault}`,
      );
      later(lasts, () => {
        active.delete(device.deviceId);
        fleet.inject(device.deviceId, fault.fault, 'clear');
      });
    }
    // Exponential gaps: faults arrive like real ones, sometimes two close together.
    later(-Math.log(1 - random()) * meanEveryMs, next);
  };
  later(firstAfterMs, next);
  return {
    raised: () => count,
    stop: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const [deviceId, fault] of active) fleet.inject(deviceId, fault, 'clear');
      active.clear();
    },
  };
}
