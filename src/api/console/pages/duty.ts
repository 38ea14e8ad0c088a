/** Supervisors and managers: who is on duty, the shifts, the site's deadlines, maintenance windows. */

import { MAINTENANCE_SCOPES } from '../../../records/index.ts';
import { DEFAULT_LIMITS, RECORD_TYPES, TRADES } from '../../../records/service/index.ts';
import { html } from '../html.ts';
import { t, type WordKey } from '../i18n.ts';
import { type PageContext, page } from './layout.ts';

/** The roles a supervisor or manager gives a new person on the duty page (admins grant the rest). */
const STAFF_ROLES = ['engineer', 'guard', 'front_desk'] as const;

export function dutyPage(p: PageContext, o: { canEditLimits: boolean }) {
  const w = (k: WordKey) => t(p.lang, k);
  const wk = (k: string) => t(p.lang, k as WordKey);
  const days = [1, 2, 3, 4, 5, 6, 7];
  const dayName = (d: number) =>
    new Intl.DateTimeFormat(p.lang === 'en' ? 'en-GB' : 'zh-CN', { weekday: 'short' }).format(
      new Date(Date.UTC(2024, 0, d)),
    );
  return page(p, {
    title: w('du.title'),
    scripts: ['duty.js', 'duty-people.js'],
    words: ['du.', 'trade.', 'type.', 'lim.', 'scope.', 'mw.', 'role.', 'pe.edit'],
    data: { limits: Object.keys(DEFAULT_LIMITS), types: RECORD_TYPES, canEditLimits: o.canEditLimits },
    body: html`<div class="row"><h1>${w('du.title')}</h1>
<label for="site" class="sr-only">${w('desk.site')}</label><select id="site"></select></div>
<section class="card" aria-labelledby="now-h"><h2 id="now-h">${w('du.now')}</h2><ul id="now" class="list"></ul></section>
<section class="card" aria-labelledby="sh-h"><h2 id="sh-h">${w('du.shifts')}</h2>
<div class="scroll" tabindex="0" role="region" aria-labelledby="sh-h"><table class="grid" id="shifts"><thead><tr>
<th scope="col">${w('du.staff')}</th><th scope="col">${w('field.trade')}</th><th scope="col">${w('field.area')}</th><th scope="col">${w('du.days')}</th><th scope="col">${w('du.hours')}</th><th scope="col"><span class="sr-only">${w('du.end')}</span></th>
</tr></thead><tbody></tbody></table></div>
<form id="add-shift" class="filters">
<label>${w('du.staff')}<select name="staffId" required></select></label>
<label>${w('field.trade')}<select name="trade" required>${TRADES.map((x) => html`<option value="${x}">${wk(`trade.${x}`)}</option>`)}</select></label>
<label>${w('field.area')}<select name="area"><option value="">${w('du.wholeSite')}</option></select></label>
<fieldset class="row"><legend>${w('du.days')}</legend>${days.map((d) => html`<label class="row"><input type="checkbox" name="weekdays" value="${d}" checked> ${dayName(d)}</label>`)}</fieldset>
<label>${w('du.starts')}<input name="starts" required pattern="([01][0-9]|2[0-3]):[0-5][0-9]" value="08:00" inputmode="numeric"></label>
<label>${w('du.ends')}<input name="ends" required pattern="([01][0-9]|2[0-3]):[0-5][0-9]" value="17:00" inputmode="numeric"></label>
<button type="submit" class="primary">${w('du.add')}</button>
</form>
</section>
<section class="card" aria-labelledby="st-h"><h2 id="st-h">${w('du.people')}</h2>
<div class="scroll" tabindex="0" role="region" aria-labelledby="st-h"><table class="grid" id="people"><thead><tr>
<th scope="col">${w('du.staff')}</th><th scope="col">${w('du.phone')}</th><th scope="col">${w('du.roles')}</th><th scope="col">${w('du.trades')}</th><th scope="col">${w('du.active')}</th>
</tr></thead><tbody></tbody></table></div>
<form id="add-person" class="filters">
<label>${w('du.personId')}<input name="id" required maxlength="64" pattern="[A-Za-z0-9_\-]{1,64}"></label>
<label>${w('du.name')}<input name="name" required maxlength="100"></label>
<label>${w('du.phone')}<input name="phone" maxlength="32" inputmode="tel"></label>
<fieldset class="row"><legend>${w('du.roles')}</legend>${STAFF_ROLES.map((r) => html`<label class="row"><input type="checkbox" name="roles" value="${r}"${r === 'engineer' ? ' checked' : ''}> ${wk(`role.${r}`)}</label>`)}</fieldset>
<fieldset class="row"><legend>${w('du.trades')}</legend>${TRADES.map((x) => html`<label class="row"><input type="checkbox" name="trades" value="${x}"> ${wk(`trade.${x}`)}</label>`)}</fieldset>
<button type="submit" class="primary">${w('du.addPerson')}</button>
</form>
</section>
<section class="card" aria-labelledby="sla-h"><h2 id="sla-h">${w('du.sla')}</h2>
<p class="muted">${w('du.slaHelp')}${o.canEditLimits ? '' : html` ${w('du.readOnly')}`}</p>
<form id="sla"><div class="scroll" tabindex="0" role="region" aria-labelledby="sla-h"><table class="grid" id="limits"><thead><tr><th scope="col">${w('du.step')}</th>${RECORD_TYPES.map((x) => html`<th scope="col" class="num">${wk(`type.${x}`)}</th>`)}</tr></thead><tbody></tbody></table></div>
${o.canEditLimits ? html`<button type="submit" class="primary">${w('du.slaSave')}</button>` : ''}</form>
</section>
<section class="card" aria-labelledby="mw-h"><h2 id="mw-h">${w('du.maintenance')}</h2>
<ul id="windows" class="list"></ul>
<form id="add-window" class="filters">
<label>${w('du.scope')}<select name="scope">${MAINTENANCE_SCOPES.map((x) => html`<option value="${x}">${wk(`scope.${x}`)}</option>`)}</select></label>
<label>${w('du.target')}<input name="target" list="targets" maxlength="64"></label><datalist id="targets"></datalist>
<label>${w('du.from')}<input name="startsAt" type="datetime-local" required></label>
<label>${w('du.to')}<input name="endsAt" type="datetime-local" required></label>
<label>${w('field.note')}<input name="note" maxlength="500"></label>
<button type="submit" class="primary">${w('du.plan')}</button>
</form>
</section>`,
  });
}
