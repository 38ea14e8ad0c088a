/** Engineers' and guards' phone pages: my slips, my alerts. Small, one hand, big buttons. */
import { html } from '../html.ts';
import { t, type WordKey } from '../i18n.ts';
import { procedure } from '../policy.ts';
import { type PageContext, page } from './layout.ts';

const WORDS = ['m.', 'act.', 'alertAct.', 'alert.', 'priority.', 'step.', 'desk.', 'rec.'];

export function slipsPage(p: PageContext) {
  const w = (k: WordKey) => t(p.lang, k);
  return page(p, {
    title: w('nav.mine'),
    phone: true,
    scripts: ['live.js', 'alarm.js', 'slips.js'],
    words: WORDS,
    data: { procedure: procedure() },
    body: html`<h1>${w('nav.mine')} <span id="live" class="badge" role="status">…</span></h1>
<ul id="slips" class="list" aria-busy="true"></ul>
<details id="my-notify"><summary>${w('m.notify')}</summary><ul id="my-notify-list" class="list"></ul></details>`,
  });
}

export function alertsPage(p: PageContext) {
  const w = (k: WordKey) => t(p.lang, k);
  return page(p, {
    title: w('nav.alerts'),
    phone: true,
    scripts: ['live.js', 'alarm.js', 'alerts.js'],
    words: WORDS,
    data: { procedure: procedure() },
    body: html`<h1>${w('nav.alerts')} <span id="live" class="badge" role="status">…</span></h1>
<button type="button" id="enable-alerts" class="big">${w('desk.enable')}</button>
<ul id="alerts" class="list" aria-busy="true"></ul>`,
  });
}

/** The web app manifest: "add to home screen" opens the phone pages full screen. */
export function manifest(lang: 'zh-CN' | 'en', iconUrl: string) {
  return {
    name: t(lang, 'app.name'),
    short_name: t(lang, 'app.name'),
    lang,
    start_url: '/m?source=home-screen',
    scope: '/m',
    display: 'standalone',
    background_color: '#f4f6f8',
    theme_color: '#12355b',
    icons: [{ src: iconUrl, sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
  };
}
