/** A site's devices by building: online state, last reading, open faults, maintenance windows. */
import { html } from '../html.ts';
import { t, type WordKey } from '../i18n.ts';
import { type PageContext, page } from './layout.ts';

export function estatePage(p: PageContext) {
  const w = (k: WordKey) => t(p.lang, k);
  return page(p, {
    title: w('es.title'),
    scripts: ['estate.js'],
    words: ['es.', 'kind.', 'scope.', 'mw.', 'priority.'],
    body: html`<div class="row"><h1>${w('es.title')}</h1>
<label for="site" class="sr-only">${w('desk.site')}</label><select id="site"></select></div>
<p id="history-note" class="notice" hidden></p>
<div id="buildings" aria-busy="true"></div>`,
  });
}
