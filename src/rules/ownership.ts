/**
 * Which rules worker holds which site (issue 17, docs/rules.md "Several workers"): each worker holds
 * a membership lease `rules-worker:<id>` and a lease `rules-site:<site>` per site it works, all in
 * the records database (records/leases.ts). Sites are spread by rendezvous hashing over the live
 * workers: each worker computes the same owner for a site from the same membership, so a change of
 * membership moves only the sites that must move. A worker that dies stops renewing; within the
 * TTL its leases lapse and the sites' new owners claim them on their next round.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../log.ts';
import { claimLeases, liveLeases, type Queryable, releaseLeases } from '../records/index.ts';

export const WORKER_PREFIX = 'rules-worker:';
export const SITE_PREFIX = 'rules-site:';

export interface OwnershipOptions {
  db: Queryable;
  workerId: string;
  ttlMs: number;
  log: Logger;
  /** Sites this worker may hold (FM_RULES_SITES); undefined: every registered site. */
  sites?: readonly string[] | undefined;
  /** Newly held sites: load their devices and saved state, then act on them. */
  claimed(sites: string[]): Promise<void>;
  /** Sites another worker should have now: stop acting, finish and save; they are released after. */
  handOver(sites: string[]): Promise<void>;
  /** Sites whose lease lapsed before it was renewed: stop acting at once (another may hold them). */
  lost(sites: string[]): void;
}

/** Rendezvous (highest random weight) hashing: the site's owner among `workers`. */
export function ownerOf(site: string, workers: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = '';
  for (const w of workers) {
    const weight = createHash('sha256').update(`${site}\0${w}`).digest('hex');
    if (weight > bestWeight) [best, bestWeight] = [w, weight];
  }
  return best;
}

const RENEWALS_PER_TTL = 3;

export class SiteOwnership {
  readonly held = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;

  constructor(private readonly o: OwnershipOptions) {}

  /** Joins and takes this worker's share before resolving. */
  async start(): Promise<void> {
    await this.#run();
  }

  /** Hands every site over and leaves, so the others take them at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#round;
    clearTimeout(this.#watchdog);
    const sites = [...this.held];
    if (sites.length > 0) await this.o.handOver(sites);
    this.held.clear();
    await releaseLeases(
      this.o.db,
      [`${WORKER_PREFIX}${this.o.workerId}`, ...sites.map((s) => `${SITE_PREFIX}${s}`)],
      this.o.workerId,
    ).catch(() => {});
  }

  /** A round now (sites registered since the last one are taken at once): resolves when it is done. */
  async rebalance(): Promise<void> {
    if (this.#stopped) return;
    await this.#round;
    clearTimeout(this.#timer);
    await (this.#round ?? this.#run());
  }

  /** Stops renewing without handing over (the database is away): the leases lapse within the TTL. */
  async abandon(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#watchdog);
    this.held.clear();
  }

  #run(): Promise<void> {
    this.#round = this.#balance()
      .catch((err: Error) => this.o.log.warn({ err: err.message }, 'site leases: round failed; retrying'))
      .finally(() => {
        this.#round = undefined;
        if (this.#stopped) return;
        this.#timer = setTimeout(() => void this.#run(), this.o.ttlMs / RENEWALS_PER_TTL);
        this.#timer.unref();
      });
    return this.#round;
  }

  async #balance(): Promise<void> {
    const { db, workerId: me, ttlMs } = this.o;
    const asked = performance.now();
    // The membership says which sites this worker may hold, so no worker counts on another for a
    // site that one may not take (FM_RULES_SITES): each site's owner is chosen among those that may.
    const member = await claimLeases(db, [`${WORKER_PREFIX}${me}`], me, ttlMs, {
      sites: this.o.sites ?? null,
    });
    const mine = [...this.held].map((s) => `${SITE_PREFIX}${s}`);
    const renewed = new Set((await claimLeases(db, mine, me, ttlMs)).map((g) => g.name));
    if (this.#stopped) return;
    if (member.length > 0) this.#arm(asked);
    const lapsed = [...this.held].filter((s) => !renewed.has(`${SITE_PREFIX}${s}`));
    if (lapsed.length > 0) this.#lose(lapsed, 'taken by another worker');

    const workers = (await liveLeases(db, WORKER_PREFIX)).map((l) => ({
      name: l.name,
      sites: (l.data as { sites?: string[] | null } | undefined)?.sites ?? undefined,
    }));
    if (!workers.some((w) => w.name === me))
      workers.push({ name: me, sites: this.o.sites ? [...this.o.sites] : undefined });
    const eligible = (site: string) =>
      workers.filter((w) => !w.sites || w.sites.includes(site)).map((w) => w.name);
    const desired = new Set((await this.#sites()).filter((s) => ownerOf(s, eligible(s)) === me));

    const leaving = [...this.held].filter((s) => !desired.has(s));
    if (leaving.length > 0) {
      this.o.log.info({ sites: leaving }, 'handing sites over to another worker');
      for (const s of leaving) this.held.delete(s);
      await this.o.handOver(leaving);
      await releaseLeases(
        db,
        leaving.map((s) => `${SITE_PREFIX}${s}`),
        me,
      );
    }
    const wanted = [...desired].filter((s) => !this.held.has(s));
    if (wanted.length === 0 || this.#stopped) return;
    const granted = (
      await claimLeases(
        db,
        wanted.map((s) => `${SITE_PREFIX}${s}`),
        me,
        ttlMs,
      )
    ).map((g) => g.name.slice(SITE_PREFIX.length));
    if (granted.length === 0) return;
    await this.o.claimed(granted);
    // Their deadline is the watchdog's, armed before this later claim: sooner, so safe.
    for (const s of granted) this.held.add(s);
    this.o.log.info({ sites: granted, workers: workers.length }, 'took sites');
  }

  async #sites(): Promise<string[]> {
    const rows = await this.o.db.query<{ id: string }>(
      'SELECT id FROM sites WHERE ($1::text[] IS NULL OR id = ANY($1::text[])) ORDER BY id',
      [this.o.sites ?? null],
    );
    return rows.map((r) => r.id);
  }

  /** Every lease was renewed at `asked` (our clock): if no renewal comes by asked + TTL, they are gone. */
  #arm(asked: number): void {
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(
      () => this.#lose([...this.held], 'leases not renewed in time'),
      asked + this.o.ttlMs - performance.now(),
    );
    this.#watchdog.unref();
  }

  #lose(sites: string[], why: string): void {
    if (sites.length === 0) return;
    this.o.log.warn({ sites, why }, 'lost sites');
    for (const s of sites) this.held.delete(s);
    this.o.lost(sites);
  }
}
