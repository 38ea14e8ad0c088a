// The duty table, the site's deadlines and maintenance windows, through the API's own routes:
// /duty/now, /duty-shifts, /sites/:site/sla, /maintenance-windows. The API checks every change.
const { api, el, w, fmtTime, fail, toast, pickSite, data } = globalThis.fm;
const $ = (s) => document.querySelector(s);
let site;
let staff = [];

const dayNames = [...$('#add-shift fieldset').querySelectorAll('label')].map((l) => l.textContent.trim());

async function loadNow() {
  const trades = [...$('#add-shift [name=trade]').options].map((o) => o.value);
  const picks = await Promise.all(
    trades.map((trade) =>
      api('GET', `/duty/now?site=${encodeURIComponent(site)}&trade=${trade}`).catch(() => null),
    ),
  );
  $('#now').replaceChildren(
    ...trades.map((trade, i) => {
      const p = picks[i];
      return el(
        'li',
        { 'data-trade': trade },
        el('strong', {}, w(`trade.${trade}`)),
        ' ',
        p ? `${p.staff?.name ?? p.staffId} · ${w(`du.via.${p.via}`)}` : w('du.nobody'),
      );
    }),
  );
}

async function loadShifts() {
  const { items } = await api('GET', `/duty-shifts?site=${encodeURIComponent(site)}`);
  const name = (id) => staff.find((s) => s.id === id)?.name ?? id;
  $('#shifts tbody').replaceChildren(
    ...items.map((s) =>
      el(
        'tr',
        { 'data-shift': s.id },
        el('td', {}, name(s.staffId)),
        el('td', {}, w(`trade.${s.trade}`)),
        el('td', {}, s.area ?? w('du.wholeSite')),
        el('td', {}, s.weekdays.map((d) => dayNames[d - 1]).join(' ')),
        el('td', {}, `${s.starts}–${s.ends}`),
        el(
          'td',
          {},
          s.validUntil && new Date(s.validUntil) <= new Date()
            ? w('du.ended')
            : el('button', { type: 'button', onclick: () => endShift(s.id) }, w('du.end')),
        ),
      ),
    ),
  );
}

async function endShift(id) {
  try {
    await api('PATCH', `/duty-shifts/${id}`, {});
    await Promise.all([loadShifts(), loadNow()]);
  } catch (err) {
    fail(err);
  }
}

async function loadLimits() {
  const { effective } = await api('GET', `/sites/${encodeURIComponent(site)}/sla`);
  $('#limits tbody').replaceChildren(
    ...data.limits.map((step) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, w(`lim.${step}`)),
        ...data.types.map((type) =>
          el(
            'td',
            { class: 'num' },
            el('input', {
              type: 'number',
              min: 0.5,
              step: 0.5,
              value: String(effective[type][step] / 60_000),
              'data-step': step,
              'data-type': type,
              'data-was': String(effective[type][step] / 60_000),
              'aria-label': `${w(`lim.${step}`)} · ${w(`type.${type}`)}`,
              readonly: !data.canEditLimits,
              class: 'num-input',
            }),
          ),
        ),
      ),
    ),
  );
}

async function saveLimits(e) {
  e.preventDefault();
  const { overrides } = await api('GET', `/sites/${encodeURIComponent(site)}/sla`);
  const key = (o) => `${o.type ?? ''}:${o.step}`;
  const next = new Map(overrides.map((o) => [key(o), o]));
  for (const input of document.querySelectorAll('#limits input')) {
    if (input.value === input.dataset.was) continue;
    const o = {
      type: input.dataset.type,
      step: input.dataset.step,
      limitMs: Math.round(Number(input.value) * 60_000),
    };
    next.set(key(o), o);
  }
  try {
    await api('PUT', `/sites/${encodeURIComponent(site)}/sla`, { overrides: [...next.values()] });
    toast(w('rec.done', { action: w('du.slaSave') }));
    await loadLimits();
  } catch (err) {
    fail(err);
  }
}

async function loadWindows() {
  const { items } = await api(
    'GET',
    `/maintenance-windows?site=${encodeURIComponent(site)}&state=planned,active`,
  );
  $('#windows').replaceChildren(
    ...(items.length
      ? items.map((m) =>
          el(
            'li',
            { 'data-window': m.id },
            el('strong', {}, `${w(`scope.${m.scope}`)} ${m.target ?? ''}`),
            ` · ${w(`mw.${m.state}`)} · ${fmtTime(m.startsAt)} – ${fmtTime(m.endsAt)}`,
            m.note ? el('div', {}, m.note) : '',
            el(
              'button',
              {
                type: 'button',
                onclick: () => endWindow(m.id, m.state === 'active' ? 'ended' : 'cancelled'),
              },
              w(m.state === 'active' ? 'du.endNow' : 'du.cancel'),
            ),
          ),
        )
      : [el('li', { class: 'muted' }, w('du.none'))]),
  );
}

async function endWindow(id, state) {
  try {
    await api('PATCH', `/maintenance-windows/${id}`, { state });
    await loadWindows();
  } catch (err) {
    fail(err);
  }
}

function formBody(form) {
  const body = {};
  for (const [k, v] of new FormData(form)) {
    if (v === '') continue;
    if (k === 'weekdays') body.weekdays = [...(body.weekdays ?? []), Number(v)];
    else if (k === 'startsAt' || k === 'endsAt') body[k] = new Date(v).toISOString();
    else body[k] = v;
  }
  return body;
}

async function main() {
  site = await pickSite();
  if (!site) return;
  // For the page's other scripts (duty-people.js), whether they ran before this or after.
  document.documentElement.dataset.site = site;
  document.dispatchEvent(new CustomEvent('fm:site', { detail: site }));
  const [people, detail, devices] = await Promise.all([
    api('GET', `/staff?site=${encodeURIComponent(site)}&active=true`),
    api('GET', `/sites/${encodeURIComponent(site)}`),
    api('GET', `/devices?site=${encodeURIComponent(site)}`),
  ]);
  staff = people.items;
  $('#add-shift [name=staffId]').append(
    ...staff.map((s) => el('option', { value: s.id }, `${s.name} (${s.id})`)),
  );
  $('#add-shift [name=area]').append(...detail.areas.map((a) => el('option', { value: a.id }, a.name)));
  $('#targets').append(
    ...[...detail.buildings, ...detail.areas, ...devices.items].map((x) =>
      el('option', { value: x.id }, x.name ?? x.location ?? x.id),
    ),
  );
  $('#add-shift').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/duty-shifts', { site, ...formBody(e.target) });
      await Promise.all([loadShifts(), loadNow()]);
    } catch (err) {
      fail(err);
    }
  });
  $('#add-window').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/maintenance-windows', { site, ...formBody(e.target) });
      e.target.reset();
      await loadWindows();
    } catch (err) {
      fail(err);
    }
  });
  $('#sla').addEventListener('submit', saveLimits);
  await Promise.all([loadNow(), loadShifts(), loadLimits(), loadWindows()]);
}

main().catch(fail);
