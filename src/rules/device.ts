/**
 * One device as rules sees it: its effective rules, a debounce window per rule (per code for
 * device-reported events), the latched faults built from them, and recent readings for evidence.
 * Everything but the readings and the heartbeat clock is saved, so a restart neither repeats nor loses.
 */

import type { DecodedMessage } from '../protocol/index.ts';
import { type DeviceInfo, type Effective, effectiveRules } from './compile.ts';
import { READINGS_KEPT, type Reading } from './evidence.ts';
import type { RuleFile } from './rule-file.ts';
import { DebounceWindow, type WindowState, type WindowTiming } from './window.ts';

/** A fault of a device as a whole: on while any of its sources (windows) is on. */
export interface Latch {
  since: number;
  /** Idempotency key of this episode: device, fault and start, so a replay gives the same key. */
  key: string;
  sources: string[];
  /** Sent to the desk. */
  raised: boolean;
  /** Why it is not raised yet: under maintenance, waiting to see if a storm forms, part of a storm. */
  held?: 'maintenance' | 'storm-wait' | 'storm';
  /** When it went on (rules' clock), for the storm's settle time. */
  onAt: number;
  /** Source rule that turned it on, for the evidence. */
  rule: string;
}

export interface SavedDevice {
  windows: Record<string, WindowState>;
  latches: Record<string, Latch>;
  counts: Record<string, number[]>;
  offline: boolean;
}

export const HEARTBEAT = 'heartbeat';
export const OFFLINE = 'offline';

/**
 * Whether a message restarts its device's heartbeat clock: a reading, or the device coming online
 * (after reconnecting, the first reading is at most one interval away).
 */
export const showsAlive = (m: DecodedMessage): boolean =>
  m.channel === 'telemetry' || (m.channel === 'status' && m.data.state !== 'offline');

export class DeviceRuntime {
  eff: Effective;
  readonly windows = new Map<string, DebounceWindow>();
  readonly latches = new Map<string, Latch>();
  readonly counts = new Map<string, number[]>();
  readings: Reading[] = [];
  lastEvents = new Map<string, unknown>();
  lastSeen: number;
  offline = false;
  dirty = false;

  constructor(
    public info: DeviceInfo,
    private file: RuleFile,
    now: number,
  ) {
    this.eff = effectiveRules(file, info);
    // Heartbeat starts counting when rules starts: a device dark before that is found three intervals on.
    this.lastSeen = now;
  }

  update(info: DeviceInfo, file: RuleFile): void {
    this.info = info;
    this.file = file;
    this.eff = effectiveRules(file, info);
    for (const [key, w] of this.windows) w.retime(this.timing(key));
  }

  /** Fault code a window feeds. */
  faultOf(key: string): string {
    if (key === HEARTBEAT) return 'heartbeat_lost';
    if (key === OFFLINE) return 'offline';
    const [ruleId, code] = key.split(':') as [string, string | undefined];
    if (code) return code;
    const rule = this.eff.rules.find((r) => r.id === ruleId);
    return rule && rule.type !== 'event' ? rule.fault : ruleId;
  }

  timing(key: string): WindowTiming {
    const f = this.file.flapping ?? { raises: 3, windowS: 600, holdS: 600 };
    const flap = { raises: f.raises, windowMs: f.windowS * 1000, holdMs: f.holdS * 1000 };
    if (key === HEARTBEAT) return { forMs: 0, clearMs: 0, flap };
    if (key === OFFLINE) return { forMs: this.eff.heartbeat.offlineForS * 1000, clearMs: 0, flap };
    const rule = this.eff.rules.find((r) => r.id === key.split(':')[0]);
    if (!rule || rule.type === 'count') return { forMs: 0, clearMs: 0, flap };
    if (rule.type === 'event') return { forMs: 0, clearMs: rule.clearForS * 1000, flap };
    return { forMs: rule.forS * 1000, clearMs: rule.clearForS * 1000, flap };
  }

  window(key: string): DebounceWindow {
    let w = this.windows.get(key);
    if (!w) {
      w = new DebounceWindow(this.timing(key));
      this.windows.set(key, w);
    }
    return w;
  }

  addReading(r: Reading): void {
    this.readings.push(r);
    if (this.readings.length > READINGS_KEPT) this.readings.shift();
  }

  save(): SavedDevice {
    const windows: Record<string, WindowState> = {};
    // A window at rest with no flap history carries nothing worth keeping.
    for (const [k, w] of this.windows) if (w.phase !== 'ok' || w.raises.length > 0) windows[k] = w.save();
    return {
      windows,
      latches: Object.fromEntries(this.latches),
      counts: Object.fromEntries(this.counts),
      offline: this.offline,
    };
  }

  restore(s: SavedDevice): void {
    for (const [k, w] of Object.entries(s.windows ?? {}))
      this.windows.set(k, DebounceWindow.restore(this.timing(k), w));
    for (const [k, l] of Object.entries(s.latches ?? {})) this.latches.set(k, l);
    for (const [k, c] of Object.entries(s.counts ?? {})) this.counts.set(k, c);
    this.offline = Boolean(s.offline);
  }
}
