/**
 * A small seeded PRNG (mulberry32) so a simulated estate replays identically from a seed: the same
 * lift trips, the same lamp failures, the same camera picked for a fault.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return Math.floor(this.range(min, max + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box-Muller); sensor noise is roughly Gaussian. */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
}

/** FNV-1a: a stable per-device seed from its id, so adding a device does not reshuffle the others. */
export function hashSeed(text: string, salt = 0): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * First-order autoregressive noise: slow drifts (municipal pressure, cloud cover) instead of
 * independent jitter per sample, which no real sensor shows.
 */
export class Drift {
  value = 0;

  constructor(
    private readonly rng: Rng,
    /** Standard deviation of the stationary process. */
    private readonly sd: number,
    /** Correlation time, ms. */
    private readonly tauMs: number,
  ) {}

  step(dtMs: number): number {
    const a = Math.exp(-dtMs / this.tauMs);
    this.value = a * this.value + this.sd * Math.sqrt(1 - a * a) * this.rng.normal();
    return this.value;
  }
}
