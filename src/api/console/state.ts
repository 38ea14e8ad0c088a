/**
 * What the console keeps per app: sessions, sign-ins, the throttle, its assets and counters, and the
 * authenticator that lets the API accept a session in place of a bearer token.
 */
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.ts';
import type { ServiceProbe } from '../../health.ts';
import { labelled } from '../../metrics.ts';
import type { Db } from '../../records/index.ts';
import { ApiError, unauthorized } from '../errors.ts';
import type { SessionAuthenticator } from '../plugins/auth.ts';
import { Assets } from './assets.ts';
import { csrfMatches } from './csrf.ts';
import { LoginStore } from './logins.ts';
import { type Session, type SessionOptions, SessionStore } from './sessions.ts';
import { SignInThrottle, type ThrottleOptions } from './throttle.ts';

export const SESSION_COOKIE = 'fm_session';
/** Before sign-in: the double-submit cookie the sign-in and invitation forms echo. */
export const PRE_COOKIE = 'fm_pre';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type SignInOutcome =
  | 'success'
  | 'wrong-password'
  | 'unknown-login'
  | 'no-password'
  | 'no-role'
  | 'throttled';

export interface ConsoleState {
  sessions: SessionStore;
  logins: LoginStore;
  throttle: SignInThrottle;
  assets: Assets;
  signIns: Record<SignInOutcome, number>;
  /** For the API's auth: a session cookie (and, for changes, its CSRF token) instead of a token. */
  authenticator: SessionAuthenticator;
  /** fm_console_sign_ins_total for /metrics. */
  probe: ServiceProbe;
  /** The session behind a request's cookie, or undefined. */
  sessionOf(request: FastifyRequest): Promise<Session | undefined>;
}

export function openConsoleState(deps: {
  db: Db;
  now: Clock;
  session?: SessionOptions;
  throttle?: ThrottleOptions;
}): ConsoleState {
  const sessions = new SessionStore(deps.db, deps.now, deps.session);
  const signIns: Record<SignInOutcome, number> = {
    success: 0,
    'wrong-password': 0,
    'unknown-login': 0,
    'no-password': 0,
    'no-role': 0,
    throttled: 0,
  };
  const sessionOf = async (request: FastifyRequest) => {
    const cookie = request.cookies?.[SESSION_COOKIE];
    return cookie ? sessions.verify(cookie) : undefined;
  };
  return {
    sessions,
    logins: new LoginStore(deps.db, deps.now),
    throttle: new SignInThrottle(deps.db, deps.now, deps.throttle),
    assets: new Assets(),
    signIns,
    sessionOf,
    authenticator: {
      async authenticate(request) {
        if (!request.cookies?.[SESSION_COOKIE]) return undefined;
        const session = await sessionOf(request);
        if (!session) throw unauthorized('the console session has ended; sign in again at /sign-in');
        // OWASP synchronizer token: a page of ours can read it, another site cannot.
        if (!SAFE_METHODS.has(request.method) && !csrfMatches(session.csrf, request.headers[CSRF_HEADER])) {
          throw new ApiError(
            403,
            'csrf-failed',
            `missing or wrong ${CSRF_HEADER}: reload the page and retry`,
          );
        }
        return session.principal;
      },
    },
    probe: {
      name: 'console',
      metrics: () => [
        labelled(
          'fm_console_sign_ins_total',
          'Console sign-in attempts by outcome (wrong-password, unknown-login, throttled... count failures).',
          'counter',
          'outcome',
          signIns,
        ),
      ],
    },
  };
}
