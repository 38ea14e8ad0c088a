/**
 * Failed sign-ins slow down (OWASP Authentication Cheat Sheet: throttle, do not lock out for good,
 * which would let anyone lock the front desk out). Each login name and each client address gets a
 * few free failures in a window; after that every further attempt must wait twice as long as the
 * previous one, up to a cap. A success clears the login's count (not the address's, shared by a
 * desk's several PCs behind one router). Per process: API replicas each keep their own.
 */
export interface ThrottleOptions {
  /** Failures a login name may have before waiting. */
  freePerLogin: number;
  /** Failures an address may have before waiting (a front office shares one). */
  freePerAddress: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
  /** Longest wait. */
  maxDelayMs: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  freePerLogin: 5,
  freePerAddress: 30,
  windowMs: 15 * 60_000,
  maxDelayMs: 15 * 60_000,
};

/** One key per person however they type it: a name in any case, a phone number with or without spaces. */
function loginKey(login: string): string {
  const l = login.trim().toLowerCase();
  return /^[0-9+\-() ]+$/.test(l) ? `l:${l.replace(/\D/g, '')}` : `l:${l}`;
}

interface Entry {
  failures: number;
  lastAt: number;
}

const MAX_ENTRIES = 20_000;

export class SignInThrottle {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => Date,
    readonly options: ThrottleOptions = DEFAULT_THROTTLE,
  ) {}

  #wait(key: string, free: number, at: number): number {
    const e = this.#entries.get(key);
    if (!e || at - e.lastAt > this.options.windowMs) return 0;
    if (e.failures < free) return 0;
    const delay = Math.min(this.options.maxDelayMs, 1000 * 2 ** (e.failures - free));
    return Math.max(0, e.lastAt + delay - at);
  }

  /** Milliseconds to wait before this attempt may be checked; 0 lets it through. */
  waitMs(login: string, address: string): number {
    const at = this.now().getTime();
    return Math.max(
      this.#wait(loginKey(login), this.options.freePerLogin, at),
      this.#wait(`a:${address}`, this.options.freePerAddress, at),
    );
  }

  fail(login: string, address: string): void {
    const at = this.now().getTime();
    if (this.#entries.size >= MAX_ENTRIES) this.#prune(at);
    for (const key of [loginKey(login), `a:${address}`]) {
      const e = this.#entries.get(key);
      if (!e || at - e.lastAt > this.options.windowMs) this.#entries.set(key, { failures: 1, lastAt: at });
      else {
        e.failures += 1;
        e.lastAt = at;
      }
    }
  }

  succeed(login: string): void {
    this.#entries.delete(loginKey(login));
  }

  #prune(at: number): void {
    for (const [k, e] of this.#entries) if (at - e.lastAt > this.options.windowMs) this.#entries.delete(k);
    // Still full (an attack from many addresses): forget the oldest half rather than grow without bound.
    if (this.#entries.size >= MAX_ENTRIES) {
      let n = this.#entries.size / 2;
      for (const k of this.#entries.keys()) {
        if (n-- <= 0) break;
        this.#entries.delete(k);
      }
    }
  }
}
