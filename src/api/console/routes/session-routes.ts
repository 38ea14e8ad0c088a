/** Signing in and out, invitation links and the language switch, as plain form posts. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../../clock.ts';
import { csrfMatches } from '../csrf.ts';
import { t } from '../i18n.ts';
import { homeFor } from '../pages/layout.ts';
import { invitePage, signInPage } from '../pages/sign-in.ts';
import { burnVerification, needsRehash, passwordProblem, verifyPassword } from '../passwords.ts';
import { type ConsoleState, PRE_COOKIE, SESSION_COOKIE, type SignInOutcome } from '../state.ts';
import { basePage, cookieOptions, preCsrf, safeNext, sameOrigin, sendPage } from '../web.ts';

type Form = Record<string, unknown>;
const str = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');

/** `now` is the app's clock, the one sessions expire by: a cookie's expiry is set from it too. */
export function sessionRoutes(app: FastifyInstance, state: ConsoleState, now: Clock): void {
  /** Starts a session for a person whose password checked out, and sends them on. */
  async function signIn(request: FastifyRequest, reply: FastifyReply, staffId: string, next?: string) {
    const old = request.cookies[SESSION_COOKIE];
    // A fresh session id on every sign-in (no fixation); the one this browser had is ended.
    if (old) await state.sessions.revoke(old);
    const { cookie, expiresAt } = await state.sessions.create(staffId, {
      address: request.ip,
      userAgent: request.headers['user-agent'],
    });
    const session = await state.sessions.verify(cookie);
    reply.setCookie(SESSION_COOKIE, cookie, cookieOptions(request, expiresAt));
    reply.clearCookie(PRE_COOKIE, cookieOptions(request));
    await state.logins.noteSignIn(staffId);
    return reply.redirect(next ?? homeFor(session?.principal.roles ?? []), 303);
  }

  app.get('/sign-in', async (request, reply) => {
    const q = request.query as Form;
    const p = basePage(request, state);
    const notice = q.out ? t(p.lang, 'signIn.signedOut') : q.ended ? t(p.lang, 'signIn.expired') : undefined;
    const next = safeNext(q.next) ?? '';
    return sendPage(reply, signInPage(p, { preCsrf: preCsrf(request, reply), next, notice }));
  });

  app.post('/sign-in', async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const p = basePage(request, state);
    const login = str(form.login, 64).trim();
    const next = safeNext(form.next);
    const again = (status: number, message: string) =>
      sendPage(
        reply,
        signInPage(p, { preCsrf: preCsrf(request, reply), next: next ?? '', login, message }),
        status,
      );
    if (!sameOrigin(request) || !csrfMatches(request.cookies[PRE_COOKIE] ?? '', form._csrf)) {
      return again(403, t(p.lang, 'signIn.stale'));
    }
    const password = str(form.password, 200);
    const address = request.ip;
    const count = (outcome: SignInOutcome) => {
      state.signIns[outcome] += 1;
      if (outcome !== 'success') request.log.info({ login, address, outcome }, 'console sign-in refused');
    };
    const wait = await state.throttle.take(login, address);
    if (wait > 0) {
      count('throttled');
      const s = Math.ceil(wait / 1000);
      reply.header('retry-after', String(s));
      return again(429, t(p.lang, 'signIn.throttled', { s }));
    }
    const row = await state.logins.find(login);
    const ok = row?.passwordHash && row.active ? await verifyPassword(password, row.passwordHash) : false;
    if (!row?.passwordHash || !row.active) await burnVerification(password, state.logins.passwordCost);
    if (!ok || !row) {
      if (row) await state.logins.noteFailure(row.staffId);
      count(!row ? 'unknown-login' : !row.passwordHash ? 'no-password' : 'wrong-password');
      return again(401, t(p.lang, 'signIn.wrong'));
    }
    await state.throttle.succeed(login, address);
    if (needsRehash(row.passwordHash!, state.logins.passwordCost))
      await state.logins.rehash(row.staffId, password);
    if (!(await state.logins.hasRoles(row.staffId))) {
      count('no-role');
      return again(403, t(p.lang, 'signIn.noRole'));
    }
    count('success');
    request.log.info({ staffId: row.staffId, address }, 'console sign-in');
    return signIn(request, reply, row.staffId, next);
  });

  app.post('/sign-out', async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const cookie = request.cookies[SESSION_COOKIE];
    const session = await state.sessionOf(request);
    if (session && (!sameOrigin(request) || !csrfMatches(session.csrf, form._csrf))) {
      return reply.code(403).type('text/plain; charset=utf-8').send('sign-out refused: reload the page');
    }
    if (cookie) await state.sessions.revoke(cookie);
    reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
    return reply.redirect('/sign-in?out=1', 303);
  });

  app.get('/invite/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    const p = basePage(request, state);
    const who = await state.logins.invitation(token);
    return sendPage(reply, invitePage(p, { preCsrf: preCsrf(request, reply), token, who }), who ? 200 : 404);
  });

  app.post('/invite/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    const form = (request.body ?? {}) as Form;
    const p = basePage(request, state);
    const who = await state.logins.invitation(token);
    const again = (status: number, message: string) =>
      sendPage(reply, invitePage(p, { preCsrf: preCsrf(request, reply), token, who, message }), status);
    if (!sameOrigin(request) || !csrfMatches(request.cookies[PRE_COOKIE] ?? '', form._csrf)) {
      return again(403, t(p.lang, 'signIn.stale'));
    }
    if (!who) return again(404, t(p.lang, 'invite.invalid'));
    const password = str(form.password, 201);
    if (password !== str(form.again, 201)) return again(400, t(p.lang, 'invite.mismatch'));
    const problem = passwordProblem(password, who.username);
    if (problem) return again(400, t(p.lang, `pw.${problem}`));
    const staffId = await state.logins.acceptInvitation(token, password);
    if (!staffId) return again(404, t(p.lang, 'invite.invalid'));
    request.log.info({ staffId }, 'console invitation accepted');
    await state.sessions.revokeAll(staffId);
    return signIn(request, reply, staffId);
  });

  app.get('/lang/:lang', async (request, reply) => {
    const { lang } = request.params as { lang: string };
    if (lang === 'en' || lang === 'zh-CN') {
      // A preference, not a secret: readable by the page, kept a year.
      reply.setCookie('fm_lang', lang, {
        ...cookieOptions(request, new Date(now() + 365 * 86400_000)),
        httpOnly: false,
      });
    }
    return reply.redirect(safeNext((request.query as Form).next) ?? '/', 303);
  });
}
