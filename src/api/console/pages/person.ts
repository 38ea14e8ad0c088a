/**
 * One person's trades, sites, contact and notifications (`/manage/people/:id`), for supervisors,
 * managers and admins: what is set now, and a plain form that posts back to the page, which hands
 * it to the API's `PATCH /staff/:id` (routes/person-pages.ts). No script: it works without one.
 */
import { NOTIFY_VIA, type Staff, TRADES } from '../../../records/service/index.ts';
import { type Html, html } from '../html.ts';
import { t, type WordKey } from '../i18n.ts';
import { type PageContext, page } from './layout.ts';

/** What the form holds: a person's fields as text, so a refused form comes back as it was sent. */
export interface PersonForm {
  trades: string[];
  sites: string[];
  phone: string;
  email: string;
  notifyVia: string[];
  quietFrom: string;
  quietTo: string;
}

export function formOf(s: Staff): PersonForm {
  return {
    trades: [...s.trades],
    sites: [...s.sites],
    phone: s.phone ?? '',
    email: s.email ?? '',
    notifyVia: [...s.notifyVia],
    quietFrom: s.quietHours?.slice(0, 5) ?? '',
    quietTo: s.quietHours?.slice(6) ?? '',
  };
}

export interface PersonPageOptions {
  person: Staff;
  /** The sites the signed-in person may give: their own, or every site for a person of every site. */
  sites: readonly { id: string; name: string }[];
  form: PersonForm;
  /** Where the page was opened from, for the way back. */
  back: string;
  saved?: boolean;
  /** The API's refusal, in words, and the field it names (`trades`, `quietHours`...). */
  error?: { message: string; field?: string };
}

const HHMM = '([01][0-9]|2[0-3]):[0-5][0-9]';

export function personPage(p: PageContext, o: PersonPageOptions): Html {
  const w = (k: WordKey, vars?: Record<string, string>) => t(p.lang, k, vars);
  const wk = (k: string) => t(p.lang, k as WordKey);
  const s = o.person;
  const f = o.form;
  const siteName = (id: string) => o.sites.find((x) => x.id === id)?.name ?? id;
  const list = (xs: readonly string[], name: (x: string) => string) =>
    xs.map(name).join(', ') || w('pe.none');
  // The refused field is marked and points at the message (WCAG 3.3.1 error identification).
  const bad = (field: string) =>
    o.error?.field === field ? html` aria-invalid="true" aria-describedby="edit-error"` : '';
  const box = (name: string, value: string, checked: boolean, label: string, field = name) =>
    html`<label class="row"><input type="checkbox" name="${name}" value="${value}"${checked ? ' checked' : ''}${bad(field)}> ${label}</label>`;
  const back = o.back.startsWith('/admin/people') ? w('pe.backPeople') : w('pe.back');
  return page(p, {
    title: w('pe.title', { name: s.name, id: s.id }),
    body: html`<p><a href="${o.back}">${back}</a></p>
<h1>${w('pe.title', { name: s.name, id: s.id })}</h1>
<section class="card" aria-labelledby="now-h"><h2 id="now-h">${w('pe.now')}</h2>
<dl id="current" class="kv">
<dt>${w('pe.trades')}</dt><dd data-field="trades">${list(s.trades, (x) => wk(`trade.${x}`))}</dd>
<dt>${w('pe.sites')}</dt><dd data-field="sites">${s.sites.length ? list(s.sites, siteName) : w('pe.everySite')}</dd>
<dt>${w('pe.phone')}</dt><dd data-field="phone">${s.phone ?? w('pe.none')}</dd>
<dt>${w('pe.email')}</dt><dd data-field="email">${s.email ?? w('pe.none')}</dd>
<dt>${w('pe.channels')}</dt><dd data-field="notifyVia">${list(s.notifyVia, (x) => wk(`pe.via.${x}`))}</dd>
<dt>${w('pe.quietNow')}</dt><dd data-field="quietHours">${s.quietHours ?? w('pe.none')}</dd>
</dl></section>
<section class="card" aria-labelledby="edit-h"><h2 id="edit-h">${w('pe.change')}</h2>
${o.saved ? html`<p class="notice" role="status" id="edit-saved">${w('pe.saved')}</p>` : ''}
${o.error ? html`<p class="error" role="alert" id="edit-error">${o.error.message}</p>` : ''}
<form method="post" action="/manage/people/${encodeURIComponent(s.id)}" id="edit-person" class="stack edit-person">
<input type="hidden" name="_csrf" value="${p.csrf ?? ''}">
<input type="hidden" name="back" value="${o.back}">
<fieldset class="row"><legend>${w('pe.trades')}</legend>${TRADES.map((x) => box('trades', x, f.trades.includes(x), wk(`trade.${x}`)))}</fieldset>
<fieldset class="row" aria-describedby="sites-help"><legend>${w('pe.sites')}</legend>${o.sites.map((x) => box('sites', x.id, f.sites.includes(x.id), x.name))}</fieldset>
<small id="sites-help" class="muted">${w('pe.sitesHelp')}</small>
<label for="pe-phone">${w('pe.phone')}</label>
<input id="pe-phone" name="phone" value="${f.phone}" maxlength="32" inputmode="tel" autocomplete="off"${bad('phone')}>
<label for="pe-email">${w('pe.email')}</label>
<input id="pe-email" name="email" type="email" value="${f.email}" maxlength="254" autocomplete="off"${bad('email')}>
<fieldset class="row"><legend>${w('pe.channels')}</legend>${NOTIFY_VIA.map((x) => box('notifyVia', x, f.notifyVia.includes(x), wk(`pe.via.${x}`)))}</fieldset>
<fieldset class="row" aria-describedby="quiet-help"><legend>${w('pe.quiet')}</legend>
<label>${w('pe.quietFrom')} <input name="quietFrom" value="${f.quietFrom}" pattern="${HHMM}" maxlength="5" inputmode="numeric" size="5"${bad('quietHours')}></label>
<label>${w('pe.quietTo')} <input name="quietTo" value="${f.quietTo}" pattern="${HHMM}" maxlength="5" inputmode="numeric" size="5"${bad('quietHours')}></label>
</fieldset>
<small id="quiet-help" class="muted">${w('pe.quietHelp')}</small>
<div class="actions"><button type="submit" class="primary">${w('pe.save')}</button></div>
</form></section>`,
  });
}
