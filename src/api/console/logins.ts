/**
 * Who may sign in to the console and how: a username (or the staff member's phone number) and a
 * password an admin set or the person chose through a one-time invitation link. A sign-in carries
 * the roles an admin granted (by default the staff row's at that moment); sessions get those the
 * staff row still has (migration 040 says why).
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Clock, dateOf } from '../../clock.ts';
import type { Queryable } from '../../records/index.ts';
import { ApiError } from '../errors.ts';
import type { Role } from '../roles.ts';
import { hashPassword, passwordProblem } from './passwords.ts';

export interface LoginRow {
  staffId: string;
  username: string;
  passwordHash: string | null;
  active: boolean;
}

export interface LoginSummary {
  staffId: string;
  name: string;
  staffRoles: Role[];
  roles: Role[] | null;
  sites: string[];
  active: boolean;
  username: string | null;
  hasPassword: boolean;
  failedCount: number;
  lastFailedAt: Date | null;
  lastSignInAt: Date | null;
  invitationExpiresAt: Date | null;
}

/** A week: long enough to reach a new engineer on leave, short enough that a lost link goes stale. */
export const INVITATION_TTL_MS = 7 * 24 * 3600_000;
export const USERNAME = /^[a-z0-9_.@-]{2,64}$/;

export const PASSWORD_MESSAGES = {
  'too-short': 'a password needs at least 8 characters',
  'too-long': 'a password may have at most 200 characters',
  'is-username': 'the password must not be the username',
} as const;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const digits = (s: string) => s.replace(/\D/g, '');
const staffNotFound = (id: string) =>
  new ApiError(404, 'staff-not-found', `no staff member "${id}"; add them with POST /staff`);

function checkPassword(password: string, username: string): void {
  const problem = passwordProblem(password, username);
  if (problem) throw new ApiError(400, 'weak-password', PASSWORD_MESSAGES[problem], 'body.password');
}

const SELECT_LOGIN = `SELECT l.staff_id AS "staffId", l.username, l.password_hash AS "passwordHash", s.active
  FROM console_logins l JOIN staff s ON s.id = l.staff_id`;

export class LoginStore {
  constructor(
    private readonly db: Queryable,
    private readonly now: Clock,
  ) {}

  /**
   * The login a sign-in names: its username, or a phone number exactly one active staff member with
   * a login has (compared by digits, so "138 0000 0001" and "13800000001" are the same).
   */
  async find(login: string): Promise<LoginRow | undefined> {
    const [byName] = await this.db.query<LoginRow>(`${SELECT_LOGIN} WHERE l.username = $1`, [
      login.trim().toLowerCase(),
    ]);
    if (byName) return byName;
    const phone = digits(login);
    if (phone.length < 5 || !/^[0-9+\-() ]+$/.test(login.trim())) return undefined;
    const byPhone = await this.db.query<LoginRow>(
      `${SELECT_LOGIN} WHERE s.active AND regexp_replace(coalesce(s.phone, ''), '[^0-9]', '', 'g') = $1`,
      [phone],
    );
    return byPhone.length === 1 ? byPhone[0] : undefined;
  }

  async #staff(staffId: string): Promise<{ roles: Role[]; username: string | null }> {
    const [row] = await this.db.query<{ roles: Role[]; username: string | null }>(
      `SELECT s.roles, l.username FROM staff s LEFT JOIN console_logins l ON l.staff_id = s.id WHERE s.id = $1`,
      [staffId],
    );
    if (!row) throw staffNotFound(staffId);
    return row;
  }

  /**
   * Sets (or replaces) a person's password, creating their login. Username defaults to the existing
   * one or the staff id; roles to the existing grant or the staff row's roles.
   */
  async setPassword(
    staffId: string,
    input: { password: string; by: string; username?: string; roles?: Role[] },
  ): Promise<void> {
    const staff = await this.#staff(staffId);
    const name = (input.username ?? staff.username ?? staffId).toLowerCase();
    if (!USERNAME.test(name))
      throw new ApiError(400, 'invalid-input', 'a username is 2-64 of a-z 0-9 _ . @ -', 'body.username');
    checkPassword(input.password, name);
    const taken = await this.db.query('SELECT 1 FROM console_logins WHERE username = $1 AND staff_id <> $2', [
      name,
      staffId,
    ]);
    if (taken.length > 0)
      throw new ApiError(409, 'username-exists', `the username "${name}" belongs to someone else`);
    const hash = await hashPassword(input.password);
    await this.db.query(
      `INSERT INTO console_logins (staff_id, username, roles, password_hash, password_set_at, password_set_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (staff_id) DO UPDATE SET username = $2, roles = coalesce($7, console_logins.roles),
         password_hash = $4, password_set_at = $5, password_set_by = $6`,
      [staffId, name, input.roles ?? staff.roles, hash, dateOf(this.now), input.by, input.roles ?? null],
    );
  }

  /** Whether any granted role is still on the staff row (sessions.ts gives a session those). */
  async hasRoles(staffId: string): Promise<boolean> {
    const rows = await this.db.query(
      `SELECT 1 FROM console_logins l JOIN staff s ON s.id = l.staff_id
       WHERE l.staff_id = $1 AND l.roles && s.roles`,
      [staffId],
    );
    return rows.length > 0;
  }

  /** Rewrites a hash made with weaker parameters, after the password proved right. */
  async rehash(staffId: string, password: string): Promise<void> {
    await this.db.query('UPDATE console_logins SET password_hash = $2 WHERE staff_id = $1', [
      staffId,
      await hashPassword(password),
    ]);
  }

  async noteFailure(staffId: string): Promise<void> {
    await this.db.query(
      'UPDATE console_logins SET failed_count = failed_count + 1, last_failed_at = $2 WHERE staff_id = $1',
      [staffId, dateOf(this.now)],
    );
  }

  async noteSignIn(staffId: string): Promise<void> {
    await this.db.query('UPDATE console_logins SET last_sign_in_at = $2 WHERE staff_id = $1', [
      staffId,
      dateOf(this.now),
    ]);
  }

  /** A one-time link's secret; the person's earlier unused invitations stop working. */
  async invite(
    staffId: string,
    input: { by: string; roles?: Role[] },
  ): Promise<{ token: string; expiresAt: Date }> {
    const staff = await this.#staff(staffId);
    const token = randomBytes(32).toString('base64url');
    const at = dateOf(this.now);
    const expiresAt = new Date(at.getTime() + INVITATION_TTL_MS);
    await this.db.query(
      'UPDATE console_invitations SET used_at = $2 WHERE staff_id = $1 AND used_at IS NULL',
      [staffId, at],
    );
    await this.db.query(
      `INSERT INTO console_invitations (token_hash, staff_id, roles, created_at, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [sha256(token), staffId, input.roles ?? staff.roles, at, input.by, expiresAt],
    );
    return { token, expiresAt };
  }

  /** The person an unused, unexpired invitation is for. */
  async invitation(
    token: string,
  ): Promise<{ staffId: string; name: string; username: string; roles: Role[] } | undefined> {
    if (token.length > 100) return undefined;
    const [row] = await this.db.query<{
      staffId: string;
      name: string;
      username: string | null;
      roles: Role[];
    }>(
      `SELECT i.staff_id AS "staffId", s.name, l.username, i.roles FROM console_invitations i
       JOIN staff s ON s.id = i.staff_id LEFT JOIN console_logins l ON l.staff_id = i.staff_id
       WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2 AND s.active`,
      [sha256(token), dateOf(this.now)],
    );
    return row ? { ...row, username: row.username ?? row.staffId.toLowerCase() } : undefined;
  }

  /** Spends the invitation and sets the password; undefined if it was used or expired meanwhile. */
  async acceptInvitation(token: string, password: string): Promise<string | undefined> {
    const who = await this.invitation(token);
    if (!who) return undefined;
    // Refused before the link is spent, so a too-short password does not cost the person their link.
    checkPassword(password, who.username);
    const spent = await this.db.query(
      'UPDATE console_invitations SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL RETURNING 1',
      [sha256(token), dateOf(this.now)],
    );
    if (spent.length === 0) return undefined;
    await this.setPassword(who.staffId, {
      password,
      by: `invitation:${who.staffId}`,
      username: who.username,
      roles: who.roles,
    });
    return who.staffId;
  }

  async list(): Promise<LoginSummary[]> {
    return this.db.query<LoginSummary>(
      `SELECT s.id AS "staffId", s.name, s.roles AS "staffRoles", l.roles, s.site_ids AS sites, s.active,
         l.username, l.password_hash IS NOT NULL AS "hasPassword", coalesce(l.failed_count, 0) AS "failedCount",
         l.last_failed_at AS "lastFailedAt", l.last_sign_in_at AS "lastSignInAt",
         (SELECT max(expires_at) FROM console_invitations i
          WHERE i.staff_id = s.id AND i.used_at IS NULL AND i.expires_at > $1) AS "invitationExpiresAt"
       FROM staff s LEFT JOIN console_logins l ON l.staff_id = s.id ORDER BY s.id`,
      [dateOf(this.now)],
    );
  }
}
