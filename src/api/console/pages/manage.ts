/** The managers' page: the rates with numerators and denominators, step times, breaches, CSV. */
import { html } from '../html.ts';
import { t, type WordKey } from '../i18n.ts';
import { type PageContext, page } from './layout.ts';

/** The targets DESIGN.md gives each rate ("three rates" table and its friends). */
export const TARGETS: Record<string, number> = {
  timeliness: 1,
  satisfaction: 0.98,
  firstTimePass: 1,
  returnVisit: 1,
  classificationAccuracy: 0.98,
  urgentRepairTimeliness: 1,
  complaintResponse: 1,
  complaintResult: 1,
  equipmentIntact: 0.99,
  equipmentIntactLift: 0.99,
  equipmentIntactPump: 0.99,
  equipmentIntactLighting: 0.99,
  equipmentIntactCctv: 0.99,
  // The regulations' intervals are minimums: every job due is done, and on time.
  planCompletion: 1,
  planOnTime: 1,
};

export function managePage(p: PageContext) {
  const w = (k: WordKey) => t(p.lang, k);
  return page(p, {
    title: w('mg.title'),
    scripts: ['manage.js'],
    words: ['mg.', 'step.'],
    data: { targets: TARGETS },
    body: html`<h1>${w('mg.title')}</h1>
<form id="period" class="filters card">
<label>${w('desk.site')}<select id="site"></select></label>
<label>${w('mg.period')}<select id="p" name="period">
<option value="month">${w('mg.p.month')}</option><option value="week">${w('mg.p.week')}</option><option value="day">${w('mg.p.day')}</option>
</select></label>
<label>${w('mg.date')}<input id="d" name="date" type="date" required></label>
<button type="submit" class="primary">${w('mg.show')}</button>
<a id="csv" class="button" href="#" download>${w('mg.csv')}</a>
</form>
<p id="summary" class="muted" role="status"></p>
<section class="card" aria-labelledby="rates-h"><h2 id="rates-h">${w('mg.rates')}</h2>
<div class="scroll" tabindex="0" role="region" aria-labelledby="rates-h"><table class="grid" id="rates"><thead><tr><th scope="col">${w('mg.metric')}</th><th scope="col" class="num">${w('mg.numerator')}</th><th scope="col" class="num">${w('mg.denominator')}</th><th scope="col" class="num">${w('mg.rate')}</th><th scope="col">${w('mg.target')}</th><th scope="col"><span class="sr-only">${w('mg.rate')}</span></th></tr></thead><tbody></tbody></table></div>
</section>
<div class="layout-desk">
<section class="card" aria-labelledby="steps-h"><h2 id="steps-h">${w('mg.steps')}</h2>
<div class="scroll" tabindex="0" role="region" aria-labelledby="steps-h"><table class="grid" id="steps"><thead><tr><th scope="col">${w('mg.state')}</th><th scope="col" class="num">${w('mg.count')}</th><th scope="col" class="num">${w('mg.mean')}</th><th scope="col" class="num">${w('mg.p90')}</th></tr></thead><tbody></tbody></table></div>
</section>
<section class="card" aria-labelledby="br-h"><h2 id="br-h">${w('mg.breaches')}</h2><ul id="breaches" class="list"></ul></section>
</div>
<section class="card" aria-labelledby="trend-h"><h2 id="trend-h">${w('mg.trend')}</h2><div class="scroll" tabindex="0" role="region" aria-labelledby="trend-h"><table class="grid" id="trend"></table></div></section>`,
  });
}
