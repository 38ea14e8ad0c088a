/** The start page: who is signed in and the pages their roles open. */
import { html } from '../html.ts';
import { t } from '../i18n.ts';
import { navFor, type PageContext, page } from './layout.ts';

export function homePage(p: PageContext) {
  const s = p.session!;
  const items = navFor(s.principal.roles);
  const roles = s.principal.roles.map((r) => t(p.lang, `role.${r}`)).join(', ');
  return page(p, {
    title: t(p.lang, 'home.title'),
    body: html`<section class="card">
<h1>${t(p.lang, 'home.hello', { name: s.name })}</h1>
<p>${t(p.lang, 'home.roles', { roles })}</p>
<h2>${t(p.lang, 'home.pages')}</h2>
${items.length ? html`<ul class="tiles">${items.map((n) => html`<li><a class="tile" href="${n.href}">${t(p.lang, n.word)}</a></li>`)}</ul>` : html`<p>${t(p.lang, 'home.noPages')}</p>`}
</section>`,
  });
}
