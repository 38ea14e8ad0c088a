// A guard's patrol alerts on the phone: open alerts of my sites that are free or mine, with the
// next step as a big button (acknowledge, on scene, resolved or false alarm with a note).
const { api, el, w, fmtTime, fmtLeft, fail, toast, follow, alarm, data, dueClass } = globalThis.fm;
const me = data.session.userId;
const roles = data.session.roles;
const { alertSteps, alertRoles } = data.procedure;
const RANK = { emergency: 0, urgent: 1, normal: 2, low: 3 };
const list = document.getElementById('alerts');
const alerts = new Map();
const due = new Map();
const sites = data.session.sites ?? [];
let loaded = false;

/** The API's rule (records/service/patrol.ts): the roles, the step's states, a guard's own alert. */
function may(a, action) {
  const role = roles.find((r) => alertRoles.includes(r));
  if (!role || !alertSteps[action].from.includes(a.state)) return false;
  return !(role === 'guard' && a.guardId && a.guardId !== me);
}

const mine = (a) => !roles.every((r) => r === 'guard') || !a.guardId || a.guardId === me;

async function act(a, action, note) {
  try {
    await api('POST', `/alerts/${a.id}/actions/${action}`, note ? { note } : {});
    toast(w('rec.done', { action: w(`alertAct.${action}`) }));
    await load();
  } catch (err) {
    fail(err);
  }
}

function noteForm(a, action, card) {
  const id = `note-${a.id}-${action}`;
  const form = el(
    'form',
    { class: 'stack', 'data-action': action },
    el('label', { for: id }, w('m.notePrompt')),
    el('textarea', { id, required: true, maxlength: 2000, rows: 3 }),
    el('button', { type: 'submit', class: 'big primary' }, w(`alertAct.${action}`)),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(a, action, form.querySelector('textarea').value.trim());
  });
  card.querySelector('form')?.remove();
  card.append(form);
  form.querySelector('textarea').focus();
}

function card(a) {
  const d = due.get(a.id);
  const li = el(
    'li',
    { 'data-alert': a.id, class: a.priority === 'emergency' && a.state === 'raised' ? 'alarm' : '' },
    el('span', { class: `badge ${a.priority}` }, w(`priority.${a.priority}`)),
    ' ',
    el('span', { class: 'badge' }, w(`alert.${a.state}`)),
    el('h2', {}, a.title),
    el('div', {}, a.location ?? ''),
    el(
      'div',
      { class: 'muted' },
      fmtTime(a.raisedAt),
      a.guardId && a.guardId !== me ? ` · ${w('m.taken', { who: a.guardId })}` : '',
    ),
    d
      ? el(
          'div',
          {},
          el(
            'span',
            { class: `due ${dueClass(d.dueAt, a.stateSince)}`, 'data-due': d.dueAt },
            `${w(`step.${d.step}`)} ${fmtLeft(new Date(d.dueAt) - Date.now())}`,
          ),
        )
      : '',
  );
  const buttons = Object.keys(alertSteps)
    .filter((action) => may(a, action))
    .map((action, i) =>
      el(
        'button',
        {
          type: 'button',
          class: `big${i === 0 ? ' primary' : ''}`,
          'data-action': action,
          onclick: () => (alertSteps[action].needsNote ? noteForm(a, action, li) : act(a, action)),
        },
        w(`alertAct.${action}`),
      ),
    );
  li.append(el('div', { class: 'stack' }, ...buttons));
  return li;
}

function render() {
  const items = [...alerts.values()]
    .filter(mine)
    .sort((a, b) => (RANK[a.priority] ?? 9) - (RANK[b.priority] ?? 9) || b.id - a.id);
  list.replaceChildren(...(items.length ? items.map(card) : [el('li', { class: 'muted' }, w('m.noAlerts'))]));
  list.setAttribute('aria-busy', 'false');
}

async function load() {
  const state = 'state=raised,acknowledged,on_scene&limit=200';
  const pages = await Promise.all(
    sites.length
      ? sites.map((s) => api('GET', `/alerts?site=${encodeURIComponent(s)}&${state}`))
      : [api('GET', `/alerts?${state}`)],
  );
  const items = pages.flatMap((p) => p.items);
  const siteIds = [...new Set(items.map((a) => a.site))];
  const deadlines = await Promise.all(
    siteIds.map((s) => api('GET', `/deadlines?site=${encodeURIComponent(s)}`)),
  );
  due.clear();
  for (const d of deadlines.flatMap((p) => p.items))
    if (d.subject === 'alert' && !due.has(d.subjectId)) due.set(d.subjectId, d);
  const fresh = items.filter((a) => !alerts.has(a.id));
  alerts.clear();
  for (const a of items) alerts.set(a.id, a);
  render();
  if (loaded)
    for (const a of fresh)
      if (a.priority === 'emergency' && a.state === 'raised') alarm.ring(a.title, '/m/alerts');
  loaded = true;
}

setInterval(() => {
  for (const span of document.querySelectorAll('span[data-due]'))
    span.textContent = span.textContent.replace(/\S+$/, fmtLeft(new Date(span.dataset.due) - Date.now()));
}, 1000);

let timer;
follow(
  sites.length === 1 ? sites[0] : null,
  {
    alert: ({ alert }) => {
      if (sites.length && !sites.includes(alert.site)) return;
      clearTimeout(timer);
      // Not while the guard is typing what they found: the note would be lost; act() reloads after.
      timer = setTimeout(() => {
        if (!list.querySelector('form')) load().catch(fail);
      }, 200);
    },
  },
  load,
);
