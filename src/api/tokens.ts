/**
 * API tokens: `fm_<id>_<secret>`, stored as SHA-256 of the whole token (migration 010). Lookups go
 * by hash, so a request costs one indexed read and the comparison happens inside the index.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Clock, dateOf } from '../clock.ts';
import type { Queryable } from '../records/index.ts';
import { ApiError } from './errors.ts';
import type { Role } from './roles.ts';

export interface ApiToken {
  id: string;
  userId: string;
  label: string | null;
  roles: Role[];
  createdAt: Date;
  createdBy: string;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

/** The caller of a request, once its token checked out. */
export interface Principal {
  tokenId: string;
  userId: string;
  roles: Role[];
  /** A console session's sites (the staff row's; empty: every site). Tokens carry none. */
  sites?: string[];
}

/** The id of the first admin's token (from FM_ADMIN_TOKEN or generated into the data directory). */
export const BOOTSTRAP_ID = 'admin';
const TOKEN_SHAPE = /^fm_([a-z0-9]{1,16})_[A-Za-z0-9_-]{20,}$/;
/** last_used_at is a hint for the admin, not an audit log: written at most once a minute per token. */
const LAST_USED_EVERY_MS = 60_000;
/**
 * A verified token is trusted this long without asking the database again (a query saved on every
 * request). Revoking through this process takes effect at once; another API process sharing the
 * database sees a revocation within this time.
 */
export const VERIFIED_TTL_MS = 5_000;
const MAX_CACHED = 10_000;

const COLUMNS = `id, user_id AS "userId", label, roles, created_at AS "createdAt", created_by AS "createdBy",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt", revoked_by AS "revokedBy"`;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new token: 48 random bits of id, 256 of secret. */
export function generateToken(id = randomBytes(6).toString('hex')): { id: string; token: string } {
  return { id, token: `fm_${id}_${randomBytes(32).toString('base64url')}` };
}

/** The public part of a token, safe to log: `fm_<id>` for our format, else the first 6 characters. */
export function tokenPrefix(token: string): string {
  const m = TOKEN_SHAPE.exec(token);
  return m ? `fm_${m[1]}` : `${token.slice(0, 6)}…`;
}

export class TokenStore {
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly db: Queryable,
    private readonly now: Clock,
  ) {}

  /** The principal behind a bearer token, or undefined for an unknown or revoked one. */
  async verify(token: string): Promise<Principal | undefined> {
    if (token.length < 32 || token.length > 512) return undefined;
    const hash = hashToken(token);
    const cached = this.verified.get(hash);
    if (cached && cached.until > this.now()) {
      this.touch(cached.principal.tokenId);
      return cached.principal;
    }
    this.verified.delete(hash);
    const [row] = await this.db.query<{ id: string; userId: string; roles: Role[]; revoked: boolean }>(
      `SELECT id, user_id AS "userId", roles, revoked_at IS NOT NULL AS revoked FROM api_tokens
       WHERE token_hash = $1`,
      [hash],
    );
    if (!row || row.revoked) return undefined;
    this.touch(row.id);
    const principal = { tokenId: row.id, userId: row.userId, roles: row.roles };
    if (this.verified.size >= MAX_CACHED) this.verified.clear();
    this.verified.set(hash, { principal, until: this.now() + VERIFIED_TTL_MS });
    return principal;
  }

  private touch(id: string): void {
    const at = this.now();
    const last = this.lastUsedWritten.get(id) ?? 0;
    if (at - last < LAST_USED_EVERY_MS) return;
    this.lastUsedWritten.set(id, at);
    // Best effort: a failed hint must not fail the request.
    this.db
      .query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, new Date(at)])
      .catch(() => {});
  }

  async create(input: { userId: string; label?: string; roles: Role[] }, by: string) {
    const { id, token } = generateToken();
    const [row] = await this.db.query<ApiToken>(
      `INSERT INTO api_tokens (id, user_id, label, roles, token_hash, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [id, input.userId, input.label ?? null, input.roles, hashToken(token), dateOf(this.now), by],
    );
    return { ...row!, token };
  }

  async list(includeRevoked: boolean): Promise<ApiToken[]> {
    return this.db.query<ApiToken>(
      `SELECT ${COLUMNS} FROM api_tokens WHERE $1 OR revoked_at IS NULL ORDER BY created_at, id`,
      [includeRevoked],
    );
  }

  private forget(id: string): void {
    for (const [hash, v] of this.verified) if (v.principal.tokenId === id) this.verified.delete(hash);
  }

  /** Revokes for good; revoking twice keeps the first time and who did it. */
  async revoke(id: string, by: string): Promise<ApiToken> {
    this.forget(id);
    const [row] = await this.db.query<ApiToken>(
      `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2), revoked_by = COALESCE(revoked_by, $3)
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, dateOf(this.now), by],
    );
    if (!row) throw new ApiError(404, 'token-not-found', `API token "${id}" does not exist; see GET /tokens`);
    this.forget(id); // a request verified while the UPDATE ran must not keep it alive
    return row;
  }

  /**
   * Makes `token` the first admin's. A token revoked through the API stays revoked even if the
   * environment still names it: the operator sets a new FM_ADMIN_TOKEN to recover.
   */
  async installBootstrap(token: string): Promise<'created' | 'replaced' | 'unchanged' | 'revoked'> {
    const hash = hashToken(token);
    const [row] = await this.db.query<{ hash: string; revoked: boolean }>(
      'SELECT token_hash AS hash, revoked_at IS NOT NULL AS revoked FROM api_tokens WHERE id = $1',
      [BOOTSTRAP_ID],
    );
    if (row?.hash === hash) return row.revoked ? 'revoked' : 'unchanged';
    if (row) {
      this.forget(BOOTSTRAP_ID);
      await this.db.query(
        'UPDATE api_tokens SET token_hash = $2, revoked_at = NULL, revoked_by = NULL WHERE id = $1',
        [BOOTSTRAP_ID, hash],
      );
      return 'replaced';
    }
    const inserted = await this.db.query(
      `INSERT INTO api_tokens (id, user_id, label, roles, token_hash, created_at, created_by)
       VALUES ($1, 'admin', 'first admin', '{admin}', $2, $3, 'bootstrap') ON CONFLICT DO NOTHING RETURNING id`,
      [BOOTSTRAP_ID, hash, dateOf(this.now)],
    );
    return inserted.length > 0 ? 'created' : 'unchanged';
  }

  async hasBootstrap(): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM api_tokens WHERE id = $1', [BOOTSTRAP_ID])).length > 0;
  }
}
