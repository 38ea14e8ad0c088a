/**
 * Inspection rounds on the phone (a guard's or engineer's list, one round point by point, the page
 * a checkpoint's QR link opens) and the planners' zone and route list with the printable codes.
 */
import { renderSVG } from 'uqr';
import type { Route, Zone } from '../../../records/service/index.ts';
import { type Html, html, raw } from '../html.ts';
import { t, type WordKey } from '../i18n.ts';
import { type PageContext, page } from './layout.ts';

const WORDS = ['rd.', 'm.', 'err.', 'trade.'];

/** What a walker may know of a route: never the codes (scanning them is the proof of presence). */
export interface RouteChoice {
  site: string;
  id: string;
  name: string;
}

export function roundsPage(p: PageContext, o: { routes: RouteChoice[] }) {
  const w = (k: WordKey) => t(p.lang, k);
  return page(p, {
    title: w('rd.title'),
    phone: true,
    scripts: ['rounds.js'],
    words: WORDS,
    data: { view: 'list', routes: o.routes },
    body: html`<h1>${w('rd.title')}</h1>
<ul id="rounds" class="list" aria-busy="true"></ul>
<h2>${w('rd.startNew')}</h2>
<ul id="routes" class="list"></ul>`,
  });
}

export function roundPage(p: PageContext, o: { id: number }) {
  const w = (k: WordKey) => t(p.lang, k);
  return page(p, {
    title: w('nav.rounds'),
    phone: true,
    scripts: ['rounds.js'],
    words: WORDS,
    data: { view: 'round', id: o.id },
    body: html`<h1 id="round-title">${w('nav.rounds')}</h1>
<p id="round-meta" class="muted"></p>
<ol id="points" class="list" aria-busy="true"></ol>
<button type="button" id="finish" class="big" hidden>${w('rd.finish')}</button>`,
  });
}

/** The page a checkpoint's QR link opens: its script confirms the point in the walker's round. */
export function pointPage(
  p: PageContext,
  o: { code: string; site: string; route: string; routeName: string; name: string },
) {
  const w = (k: WordKey) => t(p.lang, k);
  return page(p, {
    title: w('rd.pointTitle'),
    phone: true,
    scripts: ['rounds.js'],
    words: WORDS,
    data: { view: 'point', code: o.code, site: o.site, route: o.route, name: o.name },
    body: html`<h1>${w('rd.pointTitle')}</h1>
<p><strong>${t(p.lang, 'rd.pointOf', { name: o.name, route: o.routeName })}</strong></p>
<p id="point-state" class="notice" role="status" aria-busy="true">…</p>
<div id="point-actions" class="stack"></div>`,
  });
}

export function unknownPointPage(p: PageContext) {
  const w = (k: WordKey) => t(p.lang, k);
  return page(p, {
    title: w('rd.pointTitle'),
    phone: true,
    body: html`<section class="card"><h1>${w('rd.pointTitle')}</h1><p>${w('rd.unknownPoint')}</p>
<p><a href="/m/rounds">${w('rd.title')}</a></p></section>`,
  });
}

function peopleCell(p: PageContext, z: Zone): Html {
  const entries = Object.entries(z.people);
  if (entries.length === 0) return html`-`;
  return html`${entries.map(([trade, ids], i) => html`${i ? html`<br>` : ''}${t(p.lang, `trade.${trade}` as WordKey)}: ${ids.join(', ')}`)}`;
}

/** The zone map as a list, and each route with its points, schedules and a link to its codes. */
export function zonesPage(
  p: PageContext,
  o: { sites: { id: string; name: string }[]; site: string | undefined; zones: Zone[]; routes: Route[] },
) {
  const w = (k: WordKey) => t(p.lang, k);
  const zoneRows = o.zones.map(
    (z) =>
      html`<tr data-zone="${z.id}"><td>${z.name} <span class="muted">${z.id}</span></td><td>${z.buildings.join(', ') || '-'}</td><td>${z.areas.join(', ') || '-'}</td><td>${peopleCell(p, z)}</td></tr>`,
  );
  const routeRows = o.routes.map(
    (r) =>
      html`<tr data-route="${r.id}"><td>${r.name} <span class="muted">${r.id}</span></td><td>${t(p.lang, `trade.${r.trade}` as WordKey)}${r.zone ? ` · ${r.zone}` : ''}</td><td>${r.checkpoints.map((c) => c.name).join(' → ')}</td><td>${r.schedules.map((s) => s.starts).join(', ') || w('rd.unscheduled')}</td><td><a href="/manage/rounds/qr?site=${encodeURIComponent(r.site)}&amp;route=${encodeURIComponent(r.id)}">${w('rd.printCodes')}</a></td></tr>`,
  );
  return page(p, {
    title: w('nav.zones'),
    body: html`<h1>${w('nav.zones')}</h1>
<form method="get" action="/manage/zones" class="row">
<label for="zones-site">${w('desk.site')}</label>
<select id="zones-site" name="site">${o.sites.map((s) => html`<option value="${s.id}"${s.id === o.site ? html` selected` : ''}>${s.name}</option>`)}</select>
<button type="submit">${w('mg.show')}</button>
</form>
<h2>${w('rd.zones')}</h2>
${
  o.zones.length
    ? html`<table class="grid" id="zones"><thead><tr><th>${w('rd.zone')}</th><th>${w('rd.buildings')}</th><th>${w('rd.areas')}</th><th>${w('rd.people')}</th></tr></thead><tbody>${zoneRows}</tbody></table>`
    : html`<p class="muted">${w('rd.noZones')}</p>`
}
<h2>${w('rd.routes')}</h2>
<table class="grid" id="routes"><thead><tr><th>${w('rd.route')}</th><th></th><th>${w('rd.points')}</th><th>${w('rd.schedule')}</th><th></th></tr></thead><tbody>${routeRows}</tbody></table>`,
  });
}

/** A route's printable sheet: one QR code per checkpoint, linking to its point page. */
export function routeQrPage(p: PageContext, o: { route: Route; origin: string }) {
  const title = t(p.lang, 'rd.qrTitle', { route: o.route.name });
  const figure = (c: Route['checkpoints'][number]): Html => {
    const url = `${o.origin}/m/p/${c.code}`;
    const svg = renderSVG(url, { border: 2 }).replace('<svg ', `<svg role="img" aria-label="${url}" `);
    return html`<figure data-code="${c.code}">${raw(svg)}<figcaption><strong>${c.seq}. ${c.name}</strong><br><span class="muted">${c.location ?? ''} · ${c.code}</span></figcaption></figure>`;
  };
  return page(p, {
    title,
    scripts: ['qr.js'],
    body: html`<h1>${title}</h1>
<p class="no-print"><button type="button" id="print" class="primary">${t(p.lang, 'r.print')}</button></p>
<p class="muted no-print">${t(p.lang, 'rd.qrHelp')}</p>
<div class="qr-sheet">${o.route.checkpoints.map(figure)}</div>`,
  });
}
