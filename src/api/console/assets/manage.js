// The managers' statistics: GET /stats (rates with numerators and denominators, step times) and
// GET /breaches for the same period; the CSV link is the same route with format=csv.
const { api, el, w, fmtTime, fail, pickSite, data } = globalThis.fm;
const form = document.getElementById('period');
const period = document.getElementById('p');
const date = document.getElementById('d');
const pct = (r) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);
let site;

function seconds(s) {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function bar(ratio, label) {
  return el(
    'div',
    { class: 'bar', role: 'img', 'aria-label': label },
    el('span', { 'data-w': Math.round(Math.min(1, Math.max(0, ratio)) * 100) }),
  );
}

/** Bar widths through the CSSOM (the CSP forbids style attributes in markup). */
function sizeBars(root) {
  for (const s of root.querySelectorAll('.bar > span[data-w]')) s.style.width = `${s.dataset.w}%`;
}

function statsUrl(extra = '') {
  const q = new URLSearchParams({ site, period: period.value, date: date.value, lang: data.lang });
  return `/stats?${q}${extra}`;
}

async function show() {
  const s = await api('GET', statsUrl());
  document.getElementById('csv').href = statsUrl('&format=csv');
  document.getElementById('summary').textContent = w('mg.records', {
    n: s.records,
    from: fmtTime(s.from),
    to: fmtTime(s.to),
  });
  const rows = Object.entries(s.rates).map(([key, r]) => {
    const target = data.targets[key];
    const below = r.rate !== null && target !== undefined && r.rate < target;
    return el(
      'tr',
      { 'data-rate': key, class: below ? 'alarm' : '' },
      el('th', { scope: 'row' }, r.label),
      el('td', { class: 'num' }, String(r.numerator)),
      el('td', { class: 'num' }, String(r.denominator)),
      el('td', { class: 'num' }, r.rate === null ? w('mg.none') : pct(r.rate)),
      el(
        'td',
        {},
        target === undefined ? '' : `≥ ${pct(target)}`,
        below ? el('span', { class: 'badge emergency' }, w('mg.below')) : '',
      ),
      el('td', {}, r.rate === null ? '' : bar(r.rate, pct(r.rate))),
    );
  });
  document.querySelector('#rates tbody').replaceChildren(...rows);
  document
    .querySelector('#steps tbody')
    .replaceChildren(
      ...s.steps.map((t) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, t.label),
          el('td', { class: 'num' }, String(t.count)),
          el('td', { class: 'num' }, seconds(t.meanS)),
          el('td', { class: 'num' }, seconds(t.p90S)),
        ),
      ),
    );
  const { items } = await api(
    'GET',
    `/breaches?site=${encodeURIComponent(site)}&from=${encodeURIComponent(s.from)}&to=${encodeURIComponent(s.to)}`,
  );
  const most = Math.max(1, ...items.map((b) => b.count));
  document
    .getElementById('breaches')
    .replaceChildren(
      ...(items.length
        ? items.map((b) =>
            el(
              'li',
              { 'data-step': b.step },
              el('div', { class: 'row' }, el('strong', {}, w(`step.${b.step}`)), ` ${b.count}`),
              bar(b.count / most, String(b.count)),
            ),
          )
        : [el('li', { class: 'muted' }, w('mg.noBreaches'))]),
    );
  sizeBars(document);
  await trend();
}

/** The rates of the six months up to the chosen date, one column per month. */
async function trend() {
  const end = new Date(`${date.value}T12:00:00`);
  const months = [5, 4, 3, 2, 1, 0].map((k) => {
    const d = new Date(end.getFullYear(), end.getMonth() - k, 1, 12);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-01`;
  });
  const all = await Promise.all(
    months.map((m) =>
      api('GET', `/stats?site=${encodeURIComponent(site)}&period=month&date=${m}&lang=${data.lang}`),
    ),
  );
  const keys = Object.keys(all[0].rates);
  document
    .getElementById('trend')
    .replaceChildren(
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col' }, w('mg.metric')),
          ...months.map((m) => el('th', { scope: 'col', class: 'num' }, m.slice(0, 7))),
        ),
      ),
      el(
        'tbody',
        {},
        ...keys.map((k) =>
          el(
            'tr',
            {},
            el('th', { scope: 'row' }, all[0].rates[k].label),
            ...all.map((s) =>
              el(
                'td',
                { class: 'num', title: `${s.rates[k].numerator}/${s.rates[k].denominator}` },
                pct(s.rates[k].rate),
              ),
            ),
          ),
        ),
      ),
    );
}

async function main() {
  site = await pickSite();
  if (!site) return;
  const q = new URLSearchParams(location.search);
  period.value = q.get('period') ?? 'month';
  // Today in the site's calendar, whatever zone the browser is in: periods are the site's.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: globalThis.fm.siteInfo?.timezone }).format(
    new Date(),
  );
  date.value = q.get('date') ?? today;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams({ site, period: period.value, date: date.value });
    history.replaceState(null, '', `?${next}`);
    show().catch(fail);
  });
  await show();
}

main().catch(fail);
