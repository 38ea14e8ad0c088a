/** Admins: who may sign in, invitation links, passwords and ending someone's sessions. */
import { html } from '../html.ts';
import { t } from '../i18n.ts';
import { type PageContext, page } from './layout.ts';

export function peoplePage(p: PageContext) {
  const w = (k: Parameters<typeof t>[1]) => t(p.lang, k);
  return page(p, {
    title: w('people.title'),
    scripts: ['people.js'],
    words: ['people.', 'pw.', 'pe.edit'],
    body: html`<h1>${w('people.title')}</h1>
<p id="invite-link" class="notice" hidden></p>
<div class="scroll" tabindex="0" role="region" aria-label="${w('people.title')}"><table id="people" class="grid">
<caption class="sr-only">${w('people.title')}</caption>
<thead><tr><th scope="col">${w('people.id')}</th><th scope="col">${w('people.name')}</th><th scope="col">${w('people.roles')}</th><th scope="col">${w('people.username')}</th><th scope="col">${w('people.status')}</th><th scope="col">${w('people.failed')}</th><th scope="col">${w('people.last')}</th><th scope="col">${w('people.actions')}</th></tr></thead>
<tbody></tbody>
</table></div>`,
  });
}
