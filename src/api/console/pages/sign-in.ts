/** The pages before a session: sign in, and choose a password from an invitation link. */
import { html } from '../html.ts';
import { t } from '../i18n.ts';
import { type PageContext, page } from './layout.ts';

export function signInPage(
  p: PageContext,
  o: { preCsrf: string; next: string; login?: string; message?: string; notice?: string },
) {
  return page(p, {
    title: t(p.lang, 'signIn.title'),
    body: html`<section class="narrow card">
<h1>${t(p.lang, 'signIn.title')}</h1>
${o.message ? html`<p class="error" role="alert">${o.message}</p>` : ''}
${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''}
<form method="post" action="/sign-in" class="stack">
<input type="hidden" name="_csrf" value="${o.preCsrf}">
<input type="hidden" name="next" value="${o.next}">
<label for="login">${t(p.lang, 'signIn.login')}</label>
<input id="login" name="login" autocomplete="username" required maxlength="64" value="${o.login ?? ''}" autocapitalize="none" spellcheck="false">
<label for="password">${t(p.lang, 'signIn.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="200">
<button type="submit" class="primary big">${t(p.lang, 'signIn.submit')}</button>
</form>
<p class="muted">${t(p.lang, 'signIn.help')}</p>
</section>`,
  });
}

export function invitePage(
  p: PageContext,
  o: { preCsrf: string; token: string; who?: { name: string; username: string }; message?: string },
) {
  if (!o.who) {
    return page(p, {
      title: t(p.lang, 'invite.title'),
      body: html`<section class="narrow card"><h1>${t(p.lang, 'invite.title')}</h1><p class="error" role="alert">${t(p.lang, 'invite.invalid')}</p><p><a href="/sign-in">${t(p.lang, 'signIn.title')}</a></p></section>`,
    });
  }
  return page(p, {
    title: t(p.lang, 'invite.title'),
    body: html`<section class="narrow card">
<h1>${t(p.lang, 'invite.title')}</h1>
<p>${t(p.lang, 'invite.for', o.who)}</p>
${o.message ? html`<p class="error" role="alert">${o.message}</p>` : ''}
<form method="post" action="/invite/${o.token}" class="stack">
<input type="hidden" name="_csrf" value="${o.preCsrf}">
<input type="hidden" name="username" value="${o.who.username}" autocomplete="username">
<label for="password">${t(p.lang, 'invite.password')}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="200">
<label for="again">${t(p.lang, 'invite.again')}</label>
<input id="again" name="again" type="password" autocomplete="new-password" required minlength="8" maxlength="200">
<button type="submit" class="primary big">${t(p.lang, 'invite.submit')}</button>
</form>
</section>`,
  });
}
