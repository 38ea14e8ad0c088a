/**
 * Console sessions: a 256-bit secret in an HttpOnly cookie, only its SHA-256 in the database. A
 * session ends at its absolute expiry, after sitting idle too long, at sign-out, or when the person
 * is deactivated or given a new password. Its principal is the staff member with the staff row's
 * roles, the same shape a bearer token gives the API (src/api/tokens.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Clock, dateOf } from '../../clock.ts';
import type { Queryable } from '../../records/index.ts';
import type { Role } from '../roles.ts';
import type { Principal } from '../tokens.ts';
import { newCsrfSecret } from './csrf.ts';

export interface SessionOptions {
  /** Absolute lifetime: a shift and a bit. */
  ttlMs: number;
  /** Ends after this long without a request. */
  idleMs: number;
}

export const DEFAULT_SESSION: SessionOptions = { ttlMs: 12 * 3600_000, idleMs: 4 * 3600_000 };

export interface Session {
  principal: Principal;
  /** The synchronizer token state-changing requests must echo (masked). */
  csrf: string;
  expiresAt: Date;
  name: string;
  sites: string[];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Idle time is extended at most once a minute per session: one write, not one per request. */
const TOUCH_EVERY_MS = 60_000;
/** Like tokens (VERIFIED_TTL_MS): a session is trusted this long, by the injected clock, without a query. */
const CACHE_MS = 5_000;

interface Row {
  staffId: string;
  csrf: string;
  expiresAt: Date;
  idleUntil: Date;
  revoked: boolean;
  roles: Role[];
  sites: string[];
  name: string;
  active: boolean;
}

export class SessionStore {
  readonly #cache = new Map<string, { row: Row; until: number }>();

  constructor(
    private readonly db: Queryable,
    private readonly now: Clock,
    readonly options: SessionOptions = DEFAULT_SESSION,
  ) {}

  async create(
    staffId: string,
    meta: { address?: string; userAgent?: string },
  ): Promise<{ cookie: string; expiresAt: Date }> {
    const cookie = randomBytes(32).toString('base64url');
    const at = dateOf(this.now);
    const expiresAt = new Date(at.getTime() + this.options.ttlMs);
    await this.db.query(
      `INSERT INTO console_sessions (id_hash, staff_id, csrf, created_at, expires_at, idle_until, address, user_agent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        sha256(cookie),
        staffId,
        newCsrfSecret(),
        at,
        expiresAt,
        new Date(Math.min(expiresAt.getTime(), at.getTime() + this.options.idleMs)),
        meta.address ?? null,
        meta.userAgent?.slice(0, 300) ?? null,
      ],
    );
    return { cookie, expiresAt };
  }

  /** The live session behind a cookie value, or undefined (unknown, expired, idle, revoked, deactivated). */
  async verify(cookie: string): Promise<Session | undefined> {
    if (cookie.length < 40 || cookie.length > 64) return undefined;
    const hash = sha256(cookie);
    const at = this.now();
    const cached = this.#cache.get(hash);
    const hit = cached && cached.until > at ? cached : undefined;
    const row = hit ? hit.row : await this.#load(hash);
    if (!row || row.revoked || !row.active || row.roles.length === 0) return undefined;
    if (at >= row.expiresAt.getTime() || at >= row.idleUntil.getTime()) {
      this.#cache.delete(hash);
      return undefined;
    }
    const idleUntil = Math.min(row.expiresAt.getTime(), at + this.options.idleMs);
    if (idleUntil - row.idleUntil.getTime() >= TOUCH_EVERY_MS) {
      row.idleUntil = new Date(idleUntil);
      // Best effort, like a token's last_used_at: a failed write must not fail the request.
      this.db
        .query('UPDATE console_sessions SET idle_until = $2 WHERE id_hash = $1', [hash, row.idleUntil])
        .catch(() => {});
    }
    // Trusted for CACHE_MS from the query that read it, not from each use: a session in steady
    // use must still see its person deactivated or demoted within that time.
    if (!hit) {
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(hash, { row, until: at + CACHE_MS });
    }
    return {
      principal: { tokenId: 'session', userId: row.staffId, roles: row.roles, sites: row.sites },
      csrf: row.csrf,
      expiresAt: row.expiresAt,
      name: row.name,
      sites: row.sites,
    };
  }

  async #load(hash: string): Promise<Row | undefined> {
    const [row] = await this.db.query<Row>(
      `SELECT c.staff_id AS "staffId", c.csrf, c.expires_at AS "expiresAt", c.idle_until AS "idleUntil",
         c.revoked_at IS NOT NULL AS revoked, s.site_ids AS sites, s.name, s.active,
         -- The granted roles the staff row still has (migration 040): a demotion takes effect, a
         -- role added to the duty table does not sign anyone in with it.
         ARRAY(SELECT r FROM unnest(l.roles) AS r WHERE r = ANY (s.roles)) AS roles
       FROM console_sessions c JOIN staff s ON s.id = c.staff_id
       JOIN console_logins l ON l.staff_id = c.staff_id WHERE c.id_hash = $1`,
      [hash],
    );
    return row;
  }

  async revoke(cookie: string): Promise<void> {
    const hash = sha256(cookie);
    this.#cache.delete(hash);
    await this.db.query(
      'UPDATE console_sessions SET revoked_at = $2 WHERE id_hash = $1 AND revoked_at IS NULL',
      [hash, dateOf(this.now)],
    );
  }

  /** Ends every session of a person (new password, deactivated, admin's request); returns how many. */
  async revokeAll(staffId: string): Promise<number> {
    for (const [hash, v] of this.#cache) if (v.row.staffId === staffId) this.#cache.delete(hash);
    const rows = await this.db.query(
      `UPDATE console_sessions SET revoked_at = $2
       WHERE staff_id = $1 AND revoked_at IS NULL AND expires_at > $2 RETURNING 1`,
      [staffId, dateOf(this.now)],
    );
    return rows.length;
  }
}
