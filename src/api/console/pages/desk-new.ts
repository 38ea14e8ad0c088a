/** A resident's call or walk-in: the form offers the open records about the same place first. */
import { PRIORITIES, RECORD_TYPES, SOURCES, TRADES } from '../../../records/service/index.ts';
import { type Html, html } from '../html.ts';
import { t, type WordKey } from '../i18n.ts';
import { type PageContext, page } from './layout.ts';

export function newRecordPage(p: PageContext) {
  const w = (k: WordKey) => t(p.lang, k);
  const select = (name: string, values: readonly string[], chosen: string): Html =>
    html`<label for="n-${name}">${w(`field.${name}` as WordKey)}</label><select id="n-${name}" name="${name}" required>${values.map(
      (v) =>
        html`<option value="${v}"${v === chosen ? html` selected` : ''}>${w(`${name}.${v}` as WordKey)}</option>`,
    )}</select>`;
  const text = (name: string, attrs: Html = html``) =>
    html`<label for="n-${name}">${w(`field.${name}` as WordKey)}</label><input id="n-${name}" name="${name}" ${attrs}>`;
  return page(p, {
    title: w('desk.new'),
    scripts: ['new-record.js'],
    words: ['new.', 'source.', 'state.', 'rec.', 'desk.'],
    body: html`<h1>${w('new.title')}</h1>
<form id="new-record" class="card stack" novalidate>
<div class="row"><label for="site">${w('desk.site')}</label><select id="site"></select></div>
<div class="layout-desk">
<div class="stack">
${select(
  'source',
  SOURCES.filter((s) => s !== 'device' && s !== 'plan'),
  'call',
)}
${select('type', RECORD_TYPES, 'repair')}
${select('trade', TRADES, 'engineering')}
${select('priority', PRIORITIES, 'normal')}
<label for="n-content">${w('field.content')}</label><textarea id="n-content" name="content" required maxlength="4000" rows="4"></textarea>
${text('title', html`maxlength="200"`)}
${text('contactName', html`maxlength="100" autocomplete="off"`)}
${text('contactPhone', html`type="tel" maxlength="32" autocomplete="off"`)}
${text('appointmentAt', html`type="datetime-local"`)}
</div>
<div class="stack">
<label for="n-deviceId">${w('new.device')}</label><select id="n-deviceId" name="deviceId"><option value="">${w('new.none')}</option></select>
<label for="n-building">${w('field.building')}</label><select id="n-building" name="building"><option value="">${w('new.none')}</option></select>
${text('floor', html`type="number" min="-20" max="200" inputmode="numeric"`)}
${text('unit', html`maxlength="32"`)}
<label for="n-area">${w('field.area')}</label><select id="n-area" name="area"><option value="">${w('new.none')}</option></select>
${text('location', html`maxlength="200"`)}
<section id="candidates" aria-live="polite" hidden>
<h2>${w('new.candidates')}</h2>
<fieldset class="stack"><legend class="sr-only">${w('new.candidates')}</legend><div id="candidate-list" class="stack"></div></fieldset>
</section>
</div>
</div>
<button type="submit" class="primary big">${w('new.submit')}</button>
</form>`,
  });
}
