/**
 * The demo's fleet develops a fault now and then, so a newcomer sees the whole chain within minutes
 * of `facility start`: a lift traps someone, a pump loses pressure, a circuit trips, a camera goes
 * dark; the record appears on the desk, is dispatched, lands on the engineer's phone. Each fault
 * clears by itself a few minutes later, as most real ones are cleared by the engineer's visit.
 */
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
}

interface Target {
  inject(deviceId: string, fault: string, action: 'raise' | 'clear'): boolean;
}

/**
 * Starts the demo's faults on `devices` (id and kind); returns stop(), which clears any fault still
 * raised. `random` is injectable so tests choose the faults.
 */
export function startDemoFaults(
  fleet: Target,
  devices: readonly { deviceId: string; kind: Kind }[],
  log: Logger,
  o: DemoFaultOptions = {},
  random: () => number = Math.random,
): { stop(): void; raised(): number } {
  const firstAfterMs = o.firstAfterMs ?? 2 * 60_000;
  const meanEveryMs = o.meanEveryMs ?? 20 * 60_000;
  const clearAfterMs = o.clearAfterMs ?? 4 * 60_000;
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
    const fault = DEMO_FAULTS[turn++ % DEMO_FAULTS.length]!;
    const candidates = devices.filter((d) => d.kind === fault.kind && !active.has(d.deviceId));
    const device = candidates[Math.floor(random() * candidates.length)];
    if (device && fleet.inject(device.deviceId, fault.fault, 'raise')) {
      count += 1;
      active.set(device.deviceId, fault.fault);
      log.info(
        { deviceId: device.deviceId, fault: fault.fault },
        `demo: ${device.deviceId} develops ${fault.fault}`,
      );
      later(clearAfterMs * (1 + random()), () => {
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
