/**
 * The broker's two bans, kept apart so that nobody can lock anyone else out:
 * - FlapDetector: an identity that has *proved* itself (a correct secret) and still reconnects too
 *   often is banned for a while (EMQX's flapping detection). Counted after authentication, so a
 *   stranger claiming someone's client id cannot use up that identity's allowance.
 * - FailureBans: failed authentications are counted against the source address they came from,
 *   never against the identity they claimed. An address over the limit is banned: its failed
 *   attempts are answered late (a tarpit, so guessing from it stays slow), while a correct secret
 *   from the same address still gets in at once (a site gateway's NAT may hide many devices behind
 *   one address, and one misconfigured device must not keep the others out).
 */

interface Window {
  windowStart: number;
  count: number;
  bannedUntil: number;
}

/** Counts events per key in fixed windows; more than `max` in one window bans the key for `banMs`. */
class WindowCounter {
  readonly #entries = new Map<string, Window>();
  /** Told of each ban this counter imposes (a cluster passes it to the other nodes). */
  onBan: (key: string, forMs: number) => void = () => {};

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly banMs: number,
    /** Keys tracked at most: a scan of random ids or addresses must not grow the map for ever. */
    private readonly capacity: number,
  ) {}

  /** Counts one event for `key`; true when the key is (now) banned. */
  count(key: string, now: number): boolean {
    let e = this.#entries.get(key);
    if (!e || (now - e.windowStart > this.windowMs && now >= e.bannedUntil)) {
      if (e) this.#entries.delete(key);
      else if (this.#entries.size >= this.capacity) this.#makeRoom(now);
      e = { windowStart: now, count: 0, bannedUntil: 0 };
      this.#entries.set(key, e);
    }
    if (now < e.bannedUntil) return true;
    e.count++;
    if (e.count > this.max) {
      e.bannedUntil = now + this.banMs;
      this.onBan(key, this.banMs);
      return true;
    }
    return false;
  }

  /** Bans `key` for `forMs` from `now`: a ban another node imposed, so that it holds here too. */
  ban(key: string, now: number, forMs: number): void {
    let e = this.#entries.get(key);
    if (!e) {
      if (this.#entries.size >= this.capacity) this.#makeRoom(now);
      e = { windowStart: now, count: 0, bannedUntil: 0 };
      this.#entries.set(key, e);
    }
    e.bannedUntil = Math.max(e.bannedUntil, now + forMs);
  }

  banned(key: string, now: number): boolean {
    const e = this.#entries.get(key);
    return e !== undefined && now < e.bannedUntil;
  }

  get size(): number {
    return this.#entries.size;
  }

  #makeRoom(now: number): void {
    for (const [key, e] of this.#entries) {
      if (now - e.windowStart > this.windowMs && now >= e.bannedUntil) this.#entries.delete(key);
    }
    // Still full: forget the oldest entries (insertion order), a tenth at a time.
    if (this.#entries.size < this.capacity) return;
    let drop = Math.ceil(this.capacity / 10);
    for (const key of this.#entries.keys()) {
      if (drop-- === 0) break;
      this.#entries.delete(key);
    }
  }
}

export interface BanOptions {
  /** Successful connects of one identity within `windowMs` after which it is banned. */
  flapConnects: number;
  /** Failed authentications from one address within `windowMs` after which it is banned. */
  authFailures: number;
  windowMs: number;
  banMs: number;
}

export class FlapDetector extends WindowCounter {
  constructor(o: BanOptions) {
    super(o.flapConnects, o.windowMs, o.banMs, 100_000);
  }
}

export class FailureBans extends WindowCounter {
  constructor(o: BanOptions) {
    super(o.authFailures, o.windowMs, o.banMs, 10_000);
  }
}
