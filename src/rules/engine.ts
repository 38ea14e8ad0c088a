/**
 * Turns decoded messages and the passing of time into actions for the desk: raise, recover, site
 * incident. Synchronous and free of I/O so a test can drive it reading by reading; outbox.ts
 * performs the actions in order and saves the state before acknowledging the messages.
 */
import type { Logger } from '../log.ts';
import { type DecodedMessage, resolveTimestamp } from '../protocol/index.ts';
import type { Action } from './action.ts';
import { type DeviceInfo, FALLBACK_OUTCOME, judge } from './compile.ts';
import { DeviceRuntime, HEARTBEAT, type Latch, OFFLINE, type SavedDevice, showsAlive } from './device.ts';
import { raiseAction } from './raise.ts';
import type { Outcome, RuleFile } from './rule-file.ts';
import { StormWatch } from './storm.ts';
import type { Lang } from './text.ts';
import type { Transition } from './window.ts';

export type { Action, IncidentChange } from './action.ts';

export interface EngineOptions {
  file: RuleFile;
  lang: Lang;
  grafanaUrl?: string;
  selfCloseLow: boolean;
  log: Logger;
  /** Whether a maintenance window covers the device at `at`. */
  inMaintenance(device: DeviceInfo, at: number): boolean;
  emit(action: Action): void;
  count(name: string, n?: number): void;
}

export class Engine {
  readonly devices = new Map<string, DeviceRuntime>();
  readonly storms: StormWatch;

  constructor(private readonly o: EngineOptions) {
    this.storms = new StormWatch(o.file, {
      devices: this.devices,
      log: o.log,
      emit: (a) => o.emit(a),
      count: (name, n) => o.count(name, n),
      raise: (d, fault, l, now) => this.raise(d, fault, l, now),
    });
  }

  /** The registry as it is now; runtimes of known devices keep their state. */
  setDevices(list: readonly DeviceInfo[], now: number): void {
    const seen = new Set<string>();
    for (const info of list) {
      seen.add(info.id);
      const d = this.devices.get(info.id);
      if (d) d.update(info, this.o.file);
      else this.devices.set(info.id, new DeviceRuntime(info, this.o.file, now));
    }
    for (const id of this.devices.keys()) if (!seen.has(id)) this.devices.delete(id);
  }

  /**
   * Devices of sites this worker has just taken (several workers): added beside the others. A
   * device's heartbeat clock starts where this worker last heard it alive, `heardAt` (every worker
   * hears every site: sharing.ts), or where its link last came up if that is later; a device it has
   * not heard starts now. So a device silent since before a handover is found `heartbeat_lost` its
   * intervals after its last reading, as its old owner would have found it, not after the handover.
   */
  addDevices(
    list: readonly DeviceInfo[],
    now: number,
    heardAt: (deviceId: string) => number | undefined = () => undefined,
  ): void {
    for (const info of list) {
      if (this.devices.has(info.id)) continue;
      const heard = heardAt(info.id);
      const clock =
        heard === undefined || this.linkedSince === undefined ? now : Math.max(heard, this.linkedSince);
      this.devices.set(info.id, new DeviceRuntime(info, this.o.file, Math.min(clock, now)));
    }
  }

  /** Sites handed over or lost: their devices' state now lives in another worker. */
  dropSites(sites: readonly string[]): void {
    const gone = new Set(sites);
    for (const [id, d] of this.devices) if (gone.has(d.info.site)) this.devices.delete(id);
    for (const site of sites) this.storms.forget(site);
  }

  restore(deviceId: string, saved: unknown): void {
    if (deviceId.startsWith('site:')) {
      this.storms.restore(deviceId.slice(5), saved);
      return;
    }
    const d = this.devices.get(deviceId);
    if (!d) return;
    d.restore(saved as SavedDevice);
    if ([...d.latches.values()].some((l) => l.held === 'storm-wait')) this.storms.changed(d.info.site);
  }

  /** States changed since the last call, serialised now (later changes mark them dirty again). */
  takeDirty(): { id: string; state: unknown }[] {
    const out: { id: string; state: unknown }[] = [];
    for (const d of this.devices.values()) {
      if (!d.dirty) continue;
      d.dirty = false;
      out.push({ id: d.info.id, state: d.save() });
    }
    return [...out, ...this.storms.takeDirty()];
  }

  handle(m: DecodedMessage, now: number): void {
    const d = this.devices.get(m.deviceId);
    if (!d) {
      this.o.count('unknownDevice');
      return;
    }
    if (d.info.site !== m.site || d.info.kind !== m.kind) {
      this.o.count('wrongSiteOrKind');
      return;
    }
    const at = resolveTimestamp(m.data.ts, now);
    if (showsAlive(m)) d.lastSeen = Math.max(d.lastSeen, now);
    if (m.channel === 'telemetry') {
      const data = m.data as unknown as Record<string, unknown>;
      d.addReading({ ts: at, data });
      this.feed(d, HEARTBEAT, false, at, now);
      for (const rule of d.eff.rules) {
        if (rule.type === 'threshold' || rule.type === 'derived')
          this.feed(d, rule.id, judge(rule, data), at, now);
      }
    } else if (m.channel === 'event') {
      const e = m.data as { code: string; state: 'raised' | 'cleared' };
      d.lastEvents.set(e.code, { ...m.data, at: new Date(at).toISOString() });
      for (const rule of d.eff.rules) {
        if (rule.type === 'event' && (!rule.codes || rule.codes.includes(e.code)))
          this.feed(d, `${rule.id}:${e.code}`, e.state === 'raised', at, now);
        if (rule.type === 'count' && rule.codes.includes(e.code) && e.state === 'raised') {
          const list = [...(d.counts.get(rule.id) ?? []), at].filter((t) => now - t <= rule.windowS * 1000);
          d.counts.set(rule.id, list);
          d.dirty = true;
          this.feed(d, rule.id, list.length >= rule.count, at, now);
        }
      }
    } else {
      d.offline = m.data.state === 'offline';
      d.dirty = true;
      this.feed(d, OFFLINE, d.offline, at, now);
    }
  }

  /**
   * This worker's link to the broker is down: it hears no device, so silence says nothing about
   * them and no heartbeat is judged until the link is back (else every device it watches would
   * get a `heartbeat_lost` record each time its broker restarts).
   */
  linkLost(): void {
    this.linked = false;
    this.linkedSince = undefined;
  }

  /** The link is back: every heartbeat clock restarts, as on a device's own reconnect. */
  linkRestored(now: number): void {
    this.linked = true;
    this.linkedSince = now;
    for (const d of this.devices.values()) d.lastSeen = Math.max(d.lastSeen, now);
  }

  private linked = true;
  /** Since when the link has been up without a break (undefined before it first came up). */
  private linkedSince: number | undefined;

  tick(now: number): void {
    for (const d of this.devices.values()) {
      const limit = d.eff.heartbeat.missedIntervals * d.info.intervalS * 1000;
      if (this.linked && !d.offline && now - d.lastSeen > limit)
        this.feed(d, HEARTBEAT, true, d.lastSeen + limit, now);
      for (const rule of d.eff.rules) {
        if (rule.type !== 'count') continue;
        const list = d.counts.get(rule.id);
        if (!list?.length) continue;
        const kept = list.filter((t) => now - t <= rule.windowS * 1000);
        if (kept.length !== list.length) {
          d.counts.set(rule.id, kept);
          d.dirty = true;
          this.feed(d, rule.id, kept.length >= rule.count, now, now);
        }
      }
      for (const [key, w] of d.windows) {
        const t = w.tick(now);
        if (t) this.apply(d, key, t, now);
      }
      for (const [fault, l] of d.latches) {
        if (l.held === 'maintenance' && !this.o.inMaintenance(d.info, now)) {
          this.o.log.info(
            { deviceId: d.info.id, fault },
            'maintenance over and the fault persists: raising it',
          );
          this.decide(d, fault, l, now, true);
        }
      }
    }
    this.storms.tick(now);
  }

  private feed(d: DeviceRuntime, key: string, cond: boolean | null, at: number, now: number): void {
    const w = d.window(key);
    const before = w.phase;
    const t = w.observe(cond, at, now);
    if (w.phase !== before) d.dirty = true;
    if (t) this.apply(d, key, t, now);
  }

  outcome(d: DeviceRuntime, fault: string): Outcome {
    return d.eff.faults[fault] ?? FALLBACK_OUTCOME;
  }

  private apply(d: DeviceRuntime, key: string, t: Transition, now: number): void {
    const fault = d.faultOf(key);
    const log = this.o.log;
    d.dirty = true;
    let l = d.latches.get(fault);
    if (t.to === 'back') {
      if (l?.raised && !this.o.inMaintenance(d.info, now)) this.raise(d, fault, l, now, t.at);
      return;
    }
    if (t.to === 'on') {
      log.debug({ deviceId: d.info.id, fault, source: key, at: t.at }, 'rule condition on');
      if (l) {
        if (!l.sources.includes(key)) l.sources.push(key);
        return;
      }
      l = {
        since: t.at,
        key: `${d.info.id}/${fault}/${t.at}`,
        sources: [key],
        raised: false,
        onAt: now,
        rule: key,
      };
      d.latches.set(fault, l);
      this.decide(d, fault, l, now, false);
      return;
    }
    if (!l) return;
    l.sources = l.sources.filter((s) => s !== key);
    if (l.sources.length > 0) return;
    d.latches.delete(fault);
    const o = this.outcome(d, fault);
    if (l.raised) {
      this.o.count('recovered');
      this.o.emit({
        type: 'recover',
        deviceId: d.info.id,
        fault,
        recoveredAt: t.at,
        selfClose: this.o.selfCloseLow && o.selfClose && o.priority === 'low',
      });
    } else log.info({ deviceId: d.info.id, fault, held: l.held }, 'fault ended before it was raised');
    if (l.held === 'storm') this.storms.ended(d.info.id, t.at);
    if (l.held === 'storm' || l.held === 'storm-wait') this.storms.changed(d.info.site);
  }

  /** A latch just went on (or its hold just ended): raise it, or say why not yet. */
  private decide(d: DeviceRuntime, fault: string, l: Latch, now: number, afterHold: boolean): void {
    const o = this.outcome(d, fault);
    d.dirty = true;
    if (!o.enabled) {
      this.o.log.info({ deviceId: d.info.id, fault }, 'fault disabled by the rule file: not raised');
      return;
    }
    if (this.o.inMaintenance(d.info, now)) {
      if (l.held !== 'maintenance') {
        this.o.count('suppressedMaintenance');
        this.o.log.info(
          { deviceId: d.info.id, fault, since: l.since },
          'under maintenance: evaluated, not raised',
        );
      }
      l.held = 'maintenance';
      return;
    }
    if (!afterHold && this.storms.counts(fault)) {
      l.held = 'storm-wait';
      this.storms.changed(d.info.site);
      return;
    }
    this.raise(d, fault, l, now);
  }

  /** Sends the latch's fault to the desk; `back` is when a raised fault came back within its clear time. */
  private raise(d: DeviceRuntime, fault: string, l: Latch, now: number, back?: number): void {
    const held = l.held;
    l.held = undefined;
    l.raised = true;
    d.dirty = true;
    const { lang, grafanaUrl } = this.o;
    this.o.count(back === undefined ? 'raised' : 'returned');
    this.o.emit(
      raiseAction(d, fault, l, { lang, grafanaUrl, outcome: this.outcome(d, fault), now, held, back }),
    );
  }

  /**
   * The raise was not performed: a maintenance window the database knows (and this worker did not
   * yet) covers the device. Held like any fault under maintenance, raised if it outlasts the window.
   */
  holdForMaintenance(a: Extract<Action, { type: 'raise' }>): void {
    const d = this.devices.get(a.deviceId);
    const l = d?.latches.get(a.fault);
    if (!d || !l || l.key !== a.key || a.continuing) return;
    l.raised = false;
    l.held = 'maintenance';
    d.dirty = true;
    this.o.count('suppressedMaintenance');
    this.o.log.info({ deviceId: a.deviceId, fault: a.fault }, 'under maintenance: evaluated, not raised');
  }
}
