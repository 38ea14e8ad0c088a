/**
 * Storms: when many devices of one site go down together (power cut, network), one site incident
 * names them all instead of a record each. A device that goes down waits `settleS` to see whether
 * others follow; past the threshold they are held as members of the site's incident, which ends
 * when the last of them is back.
 */
import type { Logger } from '../log.ts';
import type { Action } from './action.ts';
import type { DeviceRuntime, Latch } from './device.ts';
import type { RuleFile } from './rule-file.ts';

/** What the storm watch needs of the engine (and nothing more): its devices, and raising a held fault. */
export interface StormHost {
  readonly devices: ReadonlyMap<string, DeviceRuntime>;
  readonly log: Logger;
  emit(action: Action): void;
  count(name: string, n?: number): void;
  /** Raises a fault the storm watch held and then let go. */
  raise(d: DeviceRuntime, fault: string, l: Latch, now: number): void;
}

export interface Incident {
  key: string;
  site: string;
  openedAt: number;
  devices: string[];
  /**
   * When each member (a device held in the incident instead of getting a record of its own) was
   * down: from its fault's start until it reported again. The equipment intact rate counts these.
   */
  spans?: MemberSpan[];
}

export interface MemberSpan {
  device: string;
  from: number;
  to?: number;
}

/** The incident as it is now: actions are performed later, while the incident goes on changing. */
const copy = (inc: Incident): Incident => ({
  ...inc,
  devices: [...inc.devices],
  spans: (inc.spans ?? []).map((x) => ({ ...x })),
});

const DEFAULTS = {
  codes: ['offline', 'heartbeat_lost', 'power_loss'],
  minDevices: 10,
  minShare: 0.2,
  settleS: 15,
};

interface SiteView {
  total: number;
  down: Set<string>;
  waiting: { d: DeviceRuntime; fault: string; l: Latch }[];
  /** Devices held as members of the incident now. */
  held: Set<string>;
}

export class StormWatch {
  private readonly cfg: typeof DEFAULTS;
  private readonly incidents = new Map<string, Incident>();
  private readonly dirty = new Set<string>();
  private readonly touched = new Set<string>();
  /** Members whose storm faults ended since the last tick, and when (the report that ended them). */
  private readonly returned = new Map<string, number>();

  constructor(
    file: RuleFile,
    private readonly engine: StormHost,
  ) {
    this.cfg = { ...DEFAULTS, ...file.storm };
  }

  counts(fault: string): boolean {
    return this.cfg.codes.includes(fault);
  }

  changed(site: string): void {
    this.touched.add(site);
  }

  /**
   * A member's storm fault ended at `at`, the time of the report that ended it (as a device record's
   * recovery is dated). Its downtime ends there, not at the tick that notices it: when a tick falls
   * after the message is a matter of scheduling, and the intact rate must not depend on it.
   */
  ended(device: string, at: number): void {
    this.returned.set(device, Math.max(at, this.returned.get(device) ?? at));
  }

  open(): Incident[] {
    return [...this.incidents.values()];
  }

  restore(site: string, saved: unknown): void {
    if (saved && typeof saved === 'object' && 'key' in saved) this.incidents.set(site, saved as Incident);
  }

  /** The site is no longer this worker's: its incident (saved) is the new owner's now. */
  forget(site: string): void {
    this.incidents.delete(site);
    this.dirty.delete(site);
    this.touched.delete(site);
  }

  takeDirty(): { id: string; state: unknown }[] {
    const out = [...this.dirty].map((site) => ({
      id: `site:${site}`,
      state: this.incidents.get(site) ?? {},
    }));
    this.dirty.clear();
    return out;
  }

  private view(): Map<string, SiteView> {
    const sites = new Map<string, SiteView>();
    for (const d of this.engine.devices.values()) {
      let v = sites.get(d.info.site);
      if (!v) {
        v = { total: 0, down: new Set(), waiting: [], held: new Set() };
        sites.set(d.info.site, v);
      }
      v.total++;
      for (const [fault, l] of d.latches) {
        if (!this.counts(fault)) continue;
        v.down.add(d.info.id);
        if (l.held === 'storm-wait') v.waiting.push({ d, fault, l });
        if (l.held === 'storm') v.held.add(d.info.id);
      }
    }
    return sites;
  }

  tick(now: number): void {
    if (this.touched.size === 0 && this.incidents.size === 0) return;
    this.touched.clear();
    const settleMs = this.cfg.settleS * 1000;
    for (const [site, v] of this.view()) {
      let inc = this.incidents.get(site);
      const needed = Math.max(this.cfg.minDevices, Math.ceil(this.cfg.minShare * v.total));
      if (!inc && v.down.size >= needed && v.waiting.length > 0) {
        inc = { key: `${site}/storm/${now}`, site, openedAt: now, devices: [...v.down].sort(), spans: [] };
        this.incidents.set(site, inc);
        this.dirty.add(site);
        for (const w of v.waiting) {
          w.l.held = 'storm';
          inc.spans!.push({ device: w.d.info.id, from: w.l.since });
        }
        this.engine.log.warn(
          { site, devices: inc.devices.length },
          'storm: one site incident for many devices down',
        );
        this.engine.count('incidents');
        this.engine.count('absorbedStorm', v.waiting.length);
        this.engine.emit({ type: 'incident', incident: copy(inc), change: 'open', at: now });
        continue;
      }
      if (inc) {
        inc.spans ??= [];
        const spans = inc.spans;
        const added = v.waiting.filter((w) => !inc.devices.includes(w.d.info.id)).map((w) => w.d.info.id);
        for (const w of v.waiting) {
          w.l.held = 'storm';
          w.d.dirty = true;
          v.held.add(w.d.info.id);
          spans.push({ device: w.d.info.id, from: w.l.since });
        }
        this.engine.count('absorbedStorm', v.waiting.length);
        // Members reporting again: their downtime ends when they did, not when the whole incident
        // does (`now` only for a return this worker did not see, e.g. across a restart).
        const back = spans.filter((x) => x.to === undefined && !v.held.has(x.device));
        for (const x of back) x.to = Math.max(x.from, this.returned.get(x.device) ?? now);
        if (added.length > 0) {
          inc.devices = [...new Set([...inc.devices, ...added])].sort();
          this.dirty.add(site);
          this.engine.emit({ type: 'incident', incident: copy(inc), change: 'grow', added, at: now });
        } else if (v.waiting.length > 0 || back.length > 0) {
          this.dirty.add(site);
          this.engine.emit({ type: 'incident', incident: copy(inc), change: 'members', at: now });
        }
        if (v.held.size === 0) {
          this.incidents.delete(site);
          this.dirty.add(site);
          this.engine.log.info(
            { site, devices: inc.devices.length },
            'storm over: every member reports again',
          );
          this.engine.emit({ type: 'incident', incident: inc, change: 'end', at: now });
        }
        continue;
      }
      for (const w of v.waiting) {
        if (now - w.l.onAt >= settleMs) this.engine.raise(w.d, w.fault, w.l, now);
        else this.touched.add(site);
      }
    }
    this.returned.clear();
  }
}
