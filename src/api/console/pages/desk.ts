/** The front desk's live queue: open records by urgency with countdowns, patrol alerts beside. */
import { PRIORITIES, SOURCES, STATES, TRADES } from '../../../records/service/index.ts';
import { type Html, html } from '../html.ts';
import { t, type WordKey } from '../i18n.ts';
import { type PageContext, page } from './layout.ts';

const OPEN_STATES = STATES.filter((s) => s !== 'closed' && s !== 'cancelled');

function filter(
  p: PageContext,
  name: string,
  label: WordKey,
  options: readonly string[],
  word: (o: string) => string,
): Html {
  return html`<label>${t(p.lang, label)}<select name="${name}" id="f-${name}">
<option value="">${t(p.lang, 'filter.all')}</option>
${options.map((o) => html`<option value="${o}">${word(o)}</option>`)}
</select></label>`;
}

export function deskPage(p: PageContext, stateLabel: (s: string) => string) {
  const w = (k: WordKey) => t(p.lang, k);
  const wk = (prefix: string) => (o: string) => t(p.lang, `${prefix}.${o}` as WordKey);
  return page(p, {
    title: w('desk.title'),
    scripts: ['live.js', 'alarm.js', 'desk.js'],
    words: ['desk.', 'col.', 'type.', 'trade.', 'priority.', 'source.', 'step.', 'alert.', 'act.'],
    body: html`<div class="row">
<h1>${w('desk.title')}</h1>
<label for="site" class="sr-only">${w('desk.site')}</label><select id="site"></select>
<a class="button primary" id="new-link" href="/desk/new">${w('desk.new')}</a>
<button type="button" id="enable-alerts">${w('desk.enable')}</button>
<span id="live" class="badge" role="status">…</span>
</div>
<p id="alarm-banner" class="error" role="alert" hidden></p>
<div class="layout-desk">
<section aria-labelledby="queue-h">
<h2 id="queue-h">${w('desk.queue')}</h2>
<form class="filters" id="filters">
${filter(p, 'state', 'filter.state', OPEN_STATES, stateLabel)}
${filter(p, 'trade', 'filter.trade', TRADES, wk('trade'))}
${filter(p, 'priority', 'filter.priority', PRIORITIES, wk('priority'))}
${filter(p, 'source', 'filter.source', SOURCES, wk('source'))}
<label>${w('filter.building')}<select name="building" id="f-building"><option value="">${w('filter.all')}</option></select></label>
</form>
<p id="count" class="muted"></p>
<div class="scroll" tabindex="0" role="region" aria-labelledby="queue-h"><table class="grid" id="queue">
<caption class="sr-only">${w('desk.queue')}</caption>
<thead><tr><th scope="col">${w('col.priority')}</th><th scope="col">${w('col.id')}</th><th scope="col">${w('col.title')}</th><th scope="col">${w('col.where')}</th><th scope="col">${w('col.state')}</th><th scope="col">${w('col.assignee')}</th><th scope="col">${w('col.due')}</th><th scope="col">${w('col.source')}</th><th scope="col">${w('col.received')}</th></tr></thead>
<tbody></tbody>
</table></div>
</section>
<aside aria-labelledby="alerts-h">
<h2 id="alerts-h">${w('desk.alerts')}</h2>
<ul id="alerts" class="list"></ul>
</aside>
</div>`,
  });
}
