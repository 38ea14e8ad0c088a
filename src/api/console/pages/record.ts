/** One record: details, deadlines, the actions this person may take, history, device evidence. */
import { html } from '../html.ts';
import { t, type WordKey } from '../i18n.ts';
import { procedure } from '../policy.ts';
import { type PageContext, page } from './layout.ts';

export function recordPage(p: PageContext, o: { id: number; phone: boolean }) {
  const w = (k: WordKey) => t(p.lang, k);
  return page(p, {
    title: t(p.lang, 'rec.title', { id: o.id }),
    phone: o.phone,
    scripts: ['live.js', 'forms.js', 'chart.js', 'evidence.js', 'photos.js', 'record.js'],
    words: [
      'rec.',
      'act.',
      'field.',
      'type.',
      'trade.',
      'priority.',
      'source.',
      'reason.',
      'step.',
      'desk.',
      'col.',
      'photo.',
    ],
    data: { recordId: o.id, phone: o.phone, procedure: procedure() },
    body: html`<p><a href="${o.phone ? '/m' : '/desk'}">← ${w(o.phone ? 'nav.mine' : 'nav.desk')}</a></p>
<article id="record" aria-busy="true">
<h1 id="rec-title">${t(p.lang, 'rec.title', { id: o.id })}</h1>
<p id="rec-badges" class="row"></p>
<section class="card" aria-labelledby="act-h"><h2 id="act-h">${w('rec.actions')}</h2><div id="rec-actions" class="actions"></div><div id="rec-form"></div></section>
<section class="card" aria-labelledby="det-h"><h2 id="det-h">${w('rec.details')}</h2><dl id="rec-details" class="kv"></dl></section>
<section class="card" aria-labelledby="ph-h"><h2 id="ph-h">${w('photo.title')}</h2>
<div id="rec-photos" class="photos"></div>
<form id="photo-form" class="row" hidden>
<label for="photo-file">${w('photo.add')}</label>
<input id="photo-file" name="photo" type="file" accept="image/*" capture="environment">
<label for="photo-label" class="sr-only">${w('photo.label')}</label>
<select id="photo-label" name="label"><option value="">${w('photo.label')}</option><option value="before">${w('photo.before')}</option><option value="after">${w('photo.after')}</option></select>
<button type="submit" class="primary${o.phone ? ' big' : ''}">${w('photo.upload')}</button>
</form>
</section>
<section class="card" aria-labelledby="dl-h"><h2 id="dl-h">${w('rec.deadlines')}</h2><ul id="rec-deadlines" class="list"></ul></section>
<section class="card" aria-labelledby="ev-h" id="rec-evidence" hidden><h2 id="ev-h">${w('rec.evidence')}</h2><div id="rec-device"></div>
<div id="rec-commands" hidden><h3>${w('rec.commands')}</h3><p id="cmd-buttons" class="row"></p><p id="cmd-status" class="muted" role="status" aria-live="polite"></p></div>
<div id="rec-window"></div></section>
<section class="card" aria-labelledby="rep-h" id="rec-reports-box" hidden><h2 id="rep-h">${w('rec.reports')}</h2><ul id="rec-reports" class="list"></ul></section>
<section class="card" aria-labelledby="hist-h"><h2 id="hist-h">${w('rec.history')}</h2><ol id="rec-history" class="timeline"></ol></section>
<section class="card" aria-labelledby="nt-h" id="rec-notify-box" hidden><h2 id="nt-h">${w('rec.notify')}</h2><ul id="rec-notify" class="list"></ul></section>
</article>`,
  });
}
