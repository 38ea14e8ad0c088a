// The front desk's queue: open records and patrol alerts of a site, live, sorted by urgency, each
// with its next step's countdown. Emergencies ring and stay highlighted until someone acts.
const { api, el, w, fmtTime, fmtLeft, fail, follow, alarm, pickSite, placeOf, dueClass } = globalThis.fm;

const RANK = { emergency: 0, urgent: 1, normal: 2, low: 3 };
const records = new Map();
const alerts = new Map();
/** `record:12` -> the earliest pending deadline */
const due = new Map();
const staff = new Map();
const body = document.querySelector('#queue tbody');
const alertList = document.getElementById('alerts');
const filters = document.getElementById('filters');
const banner = document.getElementById('alarm-banner');
let site;
let started = false;

const isOpen = (r) => r.state !== 'closed' && r.state !== 'cancelled';
const alertOpen = (a) => a.state !== 'resolved' && a.state !== 'false_alarm';
/** Waiting for someone to act: an emergency nobody has dispatched, an emergency alert nobody took. */
const waitingRecord = (r) => r.priority === 'emergency' && r.state === 'received';
const waitingAlert = (a) => a.priority === 'emergency' && a.state === 'raised';

function dueCell(subject, item) {
  const d = due.get(`${subject}:${item.id}`);
  if (!d) return el('td', {}, '');
  const cls = dueClass(d.dueAt, item.stateSince);
  return el(
    'td',
    {},
    el(
      'span',
      { class: `due ${cls}`, 'data-due': d.dueAt, 'data-since': item.stateSince, title: fmtTime(d.dueAt) },
      `${w(`step.${d.step}`)} ${fmtLeft(new Date(d.dueAt) - Date.now())}`,
    ),
  );
}

function urgency(r) {
  const d = due.get(`record:${r.id}`);
  return [RANK[r.priority] ?? 9, d ? new Date(d.dueAt).getTime() : Number.POSITIVE_INFINITY, r.id];
}

function matches(r) {
  const f = new FormData(filters);
  for (const [k, v] of f) if (v && String(r[k] ?? '') !== v) return false;
  return true;
}

function render() {
  const all = [...records.values()].filter(isOpen);
  const shown = all.filter(matches).sort((a, b) => {
    const [x, y] = [urgency(a), urgency(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  body.replaceChildren(
    ...(shown.length
      ? shown.map((r) =>
          el(
            'tr',
            { 'data-record': r.id, class: waitingRecord(r) ? 'alarm' : '' },
            el('td', {}, el('span', { class: `badge ${r.priority}` }, w(`priority.${r.priority}`))),
            el('td', {}, `#${r.id}`),
            el('td', {}, el('a', { href: `/desk/records/${r.id}` }, r.title)),
            el('td', {}, placeOf(r)),
            el('td', {}, w(`state.${r.state}`)),
            el('td', {}, r.assigneeId ? (staff.get(r.assigneeId)?.name ?? r.assigneeId) : ''),
            dueCell('record', r),
            el('td', {}, w(`source.${r.source}`)),
            el('td', {}, fmtTime(r.receivedAt)),
          ),
        )
      : [el('tr', {}, el('td', { colspan: 9, class: 'muted' }, w('desk.empty')))]),
  );
  document.getElementById('count').textContent = w('desk.count', { n: shown.length, total: all.length });
  const open = [...alerts.values()]
    .filter(alertOpen)
    .sort((a, b) => (RANK[a.priority] ?? 9) - (RANK[b.priority] ?? 9) || b.id - a.id);
  alertList.replaceChildren(
    ...(open.length
      ? open.map((a) =>
          el(
            'li',
            { 'data-alert': a.id, class: waitingAlert(a) ? 'alarm' : '' },
            el('span', { class: `badge ${a.priority}` }, w(`priority.${a.priority}`)),
            ' ',
            el('strong', {}, a.title),
            el(
              'div',
              { class: 'muted' },
              [
                a.location,
                w(`alert.${a.state}`),
                a.guardId ? w('alert.guard', { who: staff.get(a.guardId)?.name ?? a.guardId }) : null,
              ]
                .filter(Boolean)
                .join(' · '),
            ),
            el('div', {}, fmtTime(a.raisedAt), ' ', dueSpan(a)),
          ),
        )
      : [el('li', { class: 'muted' }, w('desk.noAlerts'))]),
  );
  const waiting = all.filter(waitingRecord).length + open.filter(waitingAlert).length;
  banner.hidden = waiting === 0;
  banner.textContent = waiting ? w('desk.emergencies', { n: waiting }) : '';
}

function dueSpan(a) {
  const d = due.get(`alert:${a.id}`);
  if (!d) return '';
  return el(
    'span',
    { class: `due ${dueClass(d.dueAt, a.stateSince)}`, 'data-due': d.dueAt, 'data-since': a.stateSince },
    `${w(`step.${d.step}`)} ${fmtLeft(new Date(d.dueAt) - Date.now())}`,
  );
}

/** Countdowns tick without re-rendering the table. */
function tick() {
  for (const span of document.querySelectorAll('span[data-due]')) {
    const dueAt = span.dataset.due;
    span.className = `due ${dueClass(dueAt, span.dataset.since)}`;
    span.textContent = span.textContent.replace(/\S+$/, fmtLeft(new Date(dueAt) - Date.now()));
  }
}

async function loadDeadlines() {
  const { items } = await api('GET', `/deadlines?site=${encodeURIComponent(site)}`);
  due.clear();
  for (const d of items) {
    const key = `${d.subject}:${d.subjectId}`;
    if (!due.has(key)) due.set(key, d); // soonest first
  }
}

let deadlineTimer;
function refreshDeadlines() {
  clearTimeout(deadlineTimer);
  deadlineTimer = setTimeout(() => loadDeadlines().then(render, fail), 300);
}

async function reload() {
  const q = encodeURIComponent(site);
  const [recs, als, people] = await Promise.all([
    api('GET', `/records?site=${q}&open=true&limit=500`),
    api('GET', `/alerts?site=${q}&state=raised,acknowledged,on_scene&limit=200`),
    api('GET', `/staff?site=${q}`),
    loadDeadlines(),
  ]);
  records.clear();
  for (const r of recs.items) records.set(r.id, r);
  alerts.clear();
  for (const a of als.items) alerts.set(a.id, a);
  for (const s of people.items) staff.set(s.id, s);
  render();
  started = true;
}

function onRecord({ record }) {
  const before = records.get(record.id);
  records.set(record.id, record);
  refreshDeadlines();
  render();
  if (started && !before && waitingRecord(record)) alarm.ring(record.title, `/desk/records/${record.id}`);
  const row = body.querySelector(`tr[data-record="${record.id}"]`);
  row?.classList.add('flash');
}

function onAlert({ alert }) {
  const before = alerts.get(alert.id);
  alerts.set(alert.id, alert);
  refreshDeadlines();
  render();
  if (started && !before && waitingAlert(alert)) alarm.ring(alert.title, location.pathname + location.search);
}

async function main() {
  site = await pickSite();
  if (!site) return;
  document.getElementById('new-link').href = `/desk/new?site=${encodeURIComponent(site)}`;
  const { buildings } = await api('GET', `/sites/${encodeURIComponent(site)}`);
  document
    .getElementById('f-building')
    .append(...buildings.map((b) => el('option', { value: b.id }, b.name)));
  filters.addEventListener('change', render);
  follow(site, { record: onRecord, alert: onAlert, breach: refreshDeadlines }, reload);
  setInterval(tick, 1000);
}

main().catch(fail);
