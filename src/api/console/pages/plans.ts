/** The maintenance plan calendar: a site's jobs due in a month, as a list (GET /plan-calendar). */
import { html } from '../html.ts';
import { t, type WordKey } from '../i18n.ts';
import { type PageContext, page } from './layout.ts';

export function plansPage(p: PageContext) {
  const w = (k: WordKey) => t(p.lang, k);
  return page(p, {
    title: w('pl.title'),
    scripts: ['plans.js'],
    words: ['pl.'],
    body: html`<h1>${w('pl.title')}</h1>
<form id="month-form" class="filters card">
<label>${w('desk.site')}<select id="site"></select></label>
<label>${w('pl.month')}<input id="month" name="month" type="month" required></label>
<button type="submit" class="primary">${w('pl.show')}</button>
</form>
<p id="summary" class="muted" role="status"></p>
<div class="scroll" tabindex="0" role="region" aria-labelledby="cal-h"><table class="grid" id="calendar">
<caption id="cal-h" class="sr-only">${w('pl.title')}</caption>
<thead><tr><th scope="col">${w('pl.due')}</th><th scope="col">${w('pl.plan')}</th><th scope="col">${w('pl.device')}</th><th scope="col">${w('pl.state')}</th><th scope="col">${w('pl.assignee')}</th></tr></thead>
<tbody></tbody></table></div>`,
  });
}
