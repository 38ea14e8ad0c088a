/** The residents' pages (no account): the report form a QR code opens, and the status link. */
import { renderSVG } from 'uqr';
import { type Html, html, raw } from '../html.ts';
import { t, type WordKey } from '../i18n.ts';
import { type Place, PROBLEMS } from '../places.ts';
import { type PageContext, page } from './layout.ts';

const problemWord = (key: string) => `r.p.${key}` as WordKey;

export function reportPage(
  p: PageContext,
  o: { place: Place; preCsrf: string; message?: string; form?: Record<string, string> },
) {
  const w = (k: WordKey, v?: Record<string, string | number>) => t(p.lang, k, v);
  const problems = PROBLEMS[o.place.sort] ?? PROBLEMS.area!;
  return page(p, {
    title: w('r.title'),
    scripts: ['photos.js', 'report.js'],
    body: html`<section class="card narrow">
<h1>${w('r.title')}</h1>
<p>${w('r.at', { place: o.place.label })}</p>
${o.message ? html`<p class="error" role="alert">${o.message}</p>` : ''}
<form method="post" action="/r/${o.place.code}" class="stack" enctype="multipart/form-data" id="report">
<input type="hidden" name="_csrf" value="${o.preCsrf}">
<fieldset class="stack"><legend>${w('r.what')}</legend>
${problems.map(
  (pr) =>
    html`<label class="row choice"><input type="radio" name="problem" value="${pr.key}" required${o.form?.problem === pr.key ? html` checked` : ''}> ${w(problemWord(pr.key))}</label>`,
)}
</fieldset>
<label for="detail">${w('r.detail')}</label>
<textarea id="detail" name="detail" maxlength="500" rows="3">${o.form?.detail ?? ''}</textarea>
<label for="phone">${w('r.phone')}</label>
<input id="phone" name="phone" type="tel" maxlength="32" autocomplete="tel" value="${o.form?.phone ?? ''}">
<label for="photo">${w('r.photo')}</label>
<input id="photo" name="photo" type="file" accept="image/jpeg,image/png,image/webp">
<button type="submit" class="primary big">${w('r.submit')}</button>
</form>
<p class="muted">${w('r.emergency')}</p>
</section>`,
  });
}

export function unknownPlacePage(p: PageContext) {
  return page(p, {
    title: t(p.lang, 'r.title'),
    body: html`<section class="card narrow"><h1>${t(p.lang, 'r.title')}</h1><p class="error" role="alert">${t(p.lang, 'r.unknown')}</p></section>`,
  });
}

/** Coarse steps: enough to know it is handled, nothing about who or what else. */
function phase(state: string): WordKey {
  if (state === 'received') return 'r.s.received';
  if (state === 'dispatched' || state === 'acknowledged') return 'r.s.dispatched';
  if (['on_site', 'planned', 'in_progress', 'escalated'].includes(state)) return 'r.s.working';
  if (state === 'awaiting_acceptance' || state === 'return_visit') return 'r.s.checking';
  return 'r.s.closed';
}

export function statusPage(
  p: PageContext,
  o: {
    status: { problem: string; createdAt: Date; state: string; label: string; timezone: string };
    link: string;
    fresh: boolean;
    merged: boolean;
  },
) {
  const w = (k: WordKey, v?: Record<string, string | number>) => t(p.lang, k, v);
  const when = new Intl.DateTimeFormat(p.lang === 'en' ? 'en-GB' : 'zh-CN', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: o.status.timezone,
  }).format(o.status.createdAt);
  return page(p, {
    title: w('r.statusTitle'),
    body: html`<section class="card narrow">
${o.fresh ? html`<p class="notice" role="status">${w('r.thanks')}${o.merged ? html` ${w('r.joined')}` : ''}</p>` : ''}
<h1>${w('r.statusTitle')}</h1>
<dl class="kv">
<dt>${w('r.at', { place: '' }).replace(/[:：]\s*$/, '')}</dt><dd>${o.status.label}</dd>
<dt>${w('r.what')}</dt><dd>${w(problemWord(o.status.problem))}</dd>
<dt>${w('r.reported', { at: '' }).replace(/[:：]\s*$/, '')}</dt><dd>${when}</dd>
</dl>
<p id="phase" class="notice">${w(phase(o.status.state))}</p>
${o.fresh ? html`<p>${w('r.follow')}<br><a href="${o.link}" id="status-link">${o.link}</a></p>` : ''}
</section>`,
  });
}

/** An admin's printable sheet: one QR code per place, with the place's name under it. */
export function qrPage(
  p: PageContext,
  o: { sites: { id: string; name: string }[]; site: string | undefined; places: Place[]; origin: string },
) {
  const w = (k: WordKey) => t(p.lang, k);
  const figure = (pl: Place): Html => {
    const url = `${o.origin}/r/${pl.code}`;
    const svg = renderSVG(url, { border: 2 }).replace('<svg ', `<svg role="img" aria-label="${url}" `);
    return html`<figure data-code="${pl.code}">${raw(svg)}<figcaption><strong>${pl.label}</strong><br><span class="muted">${w(`r.sort.${pl.sort}` as WordKey)} ${pl.target} · ${pl.code}</span></figcaption></figure>`;
  };
  return page(p, {
    title: w('r.qrTitle'),
    scripts: ['qr.js'],
    body: html`<h1>${w('r.qrTitle')}</h1>
<form method="get" action="/admin/qr" class="row no-print">
<label for="qr-site">${w('desk.site')}</label>
<select id="qr-site" name="site">${o.sites.map((s) => html`<option value="${s.id}"${s.id === o.site ? html` selected` : ''}>${s.name}</option>`)}</select>
<button type="submit">${w('mg.show')}</button>
<button type="button" id="print" class="primary">${w('r.print')}</button>
</form>
<p class="muted no-print">${w('r.qrHelp')}</p>
<div class="qr-sheet">${o.places.map(figure)}</div>`,
  });
}
