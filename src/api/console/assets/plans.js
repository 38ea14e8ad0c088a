// The plan calendar (GET /plan-calendar): a site's maintenance jobs due in a month, generated ones
// linked to their record with their state, the ones to come, overdue ones marked.
const { api, el, w, fail, pickSite } = globalThis.fm;
const body = document.querySelector('#calendar tbody');
const monthInput = document.getElementById('month');
const summary = document.getElementById('summary');

function stateOf(c) {
  if (c.recordId === null) return w('pl.toCome');
  const state = w(`state.${c.state}`);
  return c.overdue ? `${state} · ${w('pl.overdue')}` : state;
}

async function show(site, month) {
  const { items } = await api('GET', `/plan-calendar?site=${encodeURIComponent(site)}&month=${month}`);
  summary.textContent = items.length === 0 ? w('pl.empty') : w('pl.count', { n: items.length });
  body.replaceChildren(
    ...items.map((c) =>
      el(
        'tr',
        {},
        el('td', {}, c.dueDate),
        el('td', {}, c.recordId === null ? c.plan : el('a', { href: `/desk/records/${c.recordId}` }, c.plan)),
        el('td', {}, c.deviceId ?? '-'),
        el('td', {}, stateOf(c)),
        el('td', {}, c.assigneeId ?? '-'),
      ),
    ),
  );
}

async function main() {
  const site = await pickSite();
  if (!site) return;
  const q = new URLSearchParams(location.search);
  const month = q.get('month') ?? new Date().toISOString().slice(0, 7);
  monthInput.value = month;
  document.getElementById('month-form').addEventListener('submit', (e) => {
    e.preventDefault();
    q.set('month', monthInput.value);
    location.search = q.toString();
  });
  await show(site, month);
}

main().catch(fail);
