/**
 * A rule's debounce window for one device: the condition must hold for `forMs` before the fault is
 * on, and the clear condition for `clearMs` before it is off. Between the two (the hysteresis band)
 * nothing changes. A fault that keeps coming back (flapping) must stay clear for `holdMs` instead,
 * so it neither re-opens per flap nor hides: the raise itself is never delayed by damping.
 */
export type Phase = 'ok' | 'pending' | 'on' | 'clearing';

/**
 * What the window says changed: the fault began at `at`, or ended at `at`, or came back at `at`
 * before its clear was confirmed (`back`: the same episode goes on, damped).
 */
export type Transition = { to: 'on' | 'off' | 'back'; at: number };

export interface WindowTiming {
  forMs: number;
  clearMs: number;
  flap: { raises: number; windowMs: number; holdMs: number };
}

export interface WindowState {
  phase: Phase;
  since: number;
  /** Start times of recent episodes, for flap detection. */
  raises: number[];
}

export class DebounceWindow {
  phase: Phase = 'ok';
  since = 0;
  raises: number[] = [];

  constructor(private timing: WindowTiming) {}

  static restore(timing: WindowTiming, s: WindowState): DebounceWindow {
    const w = new DebounceWindow(timing);
    w.phase = s.phase;
    w.since = s.since;
    w.raises = s.raises;
    return w;
  }

  save(): WindowState {
    return { phase: this.phase, since: this.since, raises: this.raises };
  }

  retime(timing: WindowTiming): void {
    this.timing = timing;
  }

  get active(): boolean {
    return this.phase === 'on' || this.phase === 'clearing';
  }

  flapping(now: number): boolean {
    const recent = this.raises.filter((t) => now - t <= this.timing.flap.windowMs);
    return recent.length >= this.timing.flap.raises;
  }

  /**
   * A new observation at `at`: true = the raise condition holds, false = the clear condition holds,
   * null = neither (hysteresis band, or a reading that says nothing about this rule).
   */
  observe(cond: boolean | null, at: number, now = at): Transition | undefined {
    switch (this.phase) {
      case 'ok':
        if (cond !== true) return undefined;
        this.phase = 'pending';
        this.since = at;
        return this.tick(now);
      case 'pending':
        if (cond === true) return this.tick(now);
        this.phase = 'ok';
        return undefined;
      case 'on':
        if (cond !== false) return undefined;
        this.phase = 'clearing';
        this.since = at;
        return this.tick(now);
      case 'clearing':
        if (cond === false) return this.tick(now);
        // Back before the clear was confirmed: the same episode goes on (a damped flap). Said when
        // the raise condition holds again, so a fault whose record people closed meanwhile is not
        // left without one.
        this.phase = 'on';
        this.raises.push(at);
        return cond === true ? { to: 'back', at } : undefined;
    }
  }

  /** Time passing with no new observation. */
  tick(now: number): Transition | undefined {
    if (this.phase === 'pending' && now - this.since >= this.timing.forMs) {
      this.phase = 'on';
      this.raises = [...this.raises.filter((t) => now - t <= this.timing.flap.windowMs), this.since];
      return { to: 'on', at: this.since };
    }
    if (this.phase === 'clearing') {
      const hold = this.flapping(now)
        ? Math.max(this.timing.clearMs, this.timing.flap.holdMs)
        : this.timing.clearMs;
      if (now - this.since >= hold) {
        this.phase = 'ok';
        return { to: 'off', at: this.since };
      }
    }
    return undefined;
  }
}
