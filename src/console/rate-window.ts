/**
 * "At most n in a window" per key, for the residents' report form: per client address and per
 * place, so a prank at one lift cannot flood the desk and one phone cannot report every place.
 * In memory and per process; bounded so an attack from many addresses cannot grow it for ever.
 */
export class RateWindow {
  readonly #hits = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => Date,
  ) {}

  /** Whether one more is allowed now (counting it if so), and else how long until one is. */
  take(key: string): { ok: true } | { ok: false; retryAfterMs: number } {
    const at = this.now().getTime();
    const recent = (this.#hits.get(key) ?? []).filter((t) => at - t < this.windowMs);
    if (recent.length >= this.max) {
      this.#hits.set(key, recent);
      return { ok: false, retryAfterMs: recent[0]! + this.windowMs - at };
    }
    recent.push(at);
    if (this.#hits.size > 50_000) this.#hits.clear();
    this.#hits.set(key, recent);
    return { ok: true };
  }
}
