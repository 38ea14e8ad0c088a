/** Helpers every console route shares: the page context, cookies, same-origin checks, redirects. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../roles.ts';
import { maskCsrf, newCsrfSecret } from './csrf.ts';
import { html } from './html.ts';
import { langOf, t } from './i18n.ts';
import { type PageContext, page } from './pages/layout.ts';
import { type ConsoleState, PRE_COOKIE, SESSION_COOKIE } from './state.ts';

/** Cookies: HttpOnly, SameSite=Lax, and Secure whenever the browser reached us over TLS. */
export function cookieOptions(request: FastifyRequest, expires?: Date) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: request.protocol === 'https',
    ...(expires ? { expires } : {}),
  };
}

/**
 * A form post must come from our own pages: browsers send Origin on POST (and Sec-Fetch-Site); a
 * foreign one is refused before anything else (OWASP: verify origin with standard headers).
 */
export function sameOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site') return false;
  const origin = request.headers.origin;
  if (!origin || origin === 'null') return origin === undefined;
  return origin === `${request.protocol}://${request.host}`;
}

/**
 * Only a path on this server: `next=//evil.example` or `https://...` would be an open redirect, and
 * browsers drop tabs and line breaks from URLs, so `/\t/evil.example` is `//evil.example` to them.
 */
export function safeNext(next: unknown): string | undefined {
  if (typeof next !== 'string' || !next.startsWith('/') || next.length > 500) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u0020\\]/.test(next) || next.startsWith('//')) return undefined;
  return next;
}

/** The pre-session CSRF secret (double-submit cookie), set if absent; returns it masked for a form. */
export function preCsrf(request: FastifyRequest, reply: FastifyReply): string {
  let secret = request.cookies[PRE_COOKIE];
  if (secret?.length !== 43) {
    secret = newCsrfSecret();
    reply.setCookie(PRE_COOKIE, secret, cookieOptions(request));
    // The form must see the same secret this response sets.
    request.cookies[PRE_COOKIE] = secret;
  }
  return maskCsrf(secret);
}

export function sendPage(reply: FastifyReply, body: { text: string }, status = 200) {
  return reply.code(status).type('text/html; charset=utf-8').send(body.text);
}

export function basePage(request: FastifyRequest, state: ConsoleState): PageContext {
  return { lang: langOf(request), path: request.url.split('?')[0]!, assets: state.assets };
}

/**
 * The page context for a signed-in person with one of `roles`; otherwise the reply is sent (to the
 * sign-in page, or 403) and undefined returned. The API's routes check again on every call.
 */
export async function staffPage(
  request: FastifyRequest,
  reply: FastifyReply,
  state: ConsoleState,
  roles?: readonly Role[],
): Promise<PageContext | undefined> {
  const session = await state.sessionOf(request);
  const p = basePage(request, state);
  if (!session) {
    const ended = request.cookies[SESSION_COOKIE] ? '&ended=1' : '';
    if (ended) reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
    await reply.redirect(`/sign-in?next=${encodeURIComponent(request.url)}${ended}`, 303);
    return undefined;
  }
  const ctx: PageContext = { ...p, session, csrf: maskCsrf(session.csrf) };
  if (roles && !roles.some((r) => session.principal.roles.includes(r))) {
    await sendPage(
      reply,
      page(ctx, {
        title: t(p.lang, 'err.forbidden'),
        body: html`<section class="card"><h1>${t(p.lang, 'err.forbidden')}</h1><p><a href="/">${t(p.lang, 'home.title')}</a></p></section>`,
      }),
      403,
    );
    return undefined;
  }
  return ctx;
}
