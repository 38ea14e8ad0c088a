// One record: what the API says of it, the actions it says this person may take now, and forms
// for them built from the desk's schemas. Changes by anyone reload it (the live stream).
const {
  api,
  el,
  w,
  fmtTime,
  fmtLeft,
  fail,
  toast,
  follow,
  stepForm,
  data,
  placeOf,
  dueClass,
  renderEvidence,
  renderPhotos,
  bindPhotoUpload,
} = globalThis.fm;
const id = data.recordId;
const forms = data.procedure.forms;
const staff = new Map();
let record;

const $ = (sel) => document.querySelector(sel);
const who = (uid) => staff.get(uid)?.name ?? uid;

function kv(pairs) {
  return pairs
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]);
}

function renderDetails(r) {
  $('#rec-title').textContent = `#${r.id} ${r.title}`;
  $('#rec-badges').replaceChildren(
    el('span', { class: `badge ${r.priority}` }, w(`priority.${r.priority}`)),
    el('span', { class: 'badge', id: 'rec-state' }, w(`state.${r.state}`)),
    el('span', { class: 'badge' }, w(`type.${r.type}`)),
    el('span', { class: 'badge' }, w(`trade.${r.trade}`)),
    el('span', {}, placeOf(r)),
  );
  $('#rec-details').replaceChildren(
    ...kv([
      [w('rec.content'), r.content],
      [w('field.source'), w(`source.${r.source}`)],
      [w('rec.contact'), [r.contactName, r.contactPhone].filter(Boolean).join(' ')],
      [w('rec.device'), r.deviceId],
      [w('rec.fault'), r.faultCode],
      [w('rec.occurrences'), r.occurrences > 1 ? String(r.occurrences) : null],
      [w('rec.owner'), who(r.ownerId)],
      [w('col.assignee'), r.assigneeId ? who(r.assigneeId) : null],
      [w('rec.appointment'), fmtTime(r.appointmentAt)],
      [w('col.received'), fmtTime(r.receivedAt)],
    ]),
  );
}

function renderDeadlines(r) {
  $('#rec-deadlines').replaceChildren(
    ...r.deadlines.map((d) => {
      const pending = !d.metAt && !d.voidAt;
      const state = pending
        ? el(
            'span',
            { class: `due ${dueClass(d.dueAt, r.stateSince)}`, 'data-due': d.dueAt },
            fmtLeft(new Date(d.dueAt) - Date.now()),
          )
        : d.metAt
          ? w('rec.met', { at: fmtTime(d.metAt) })
          : '—';
      return el(
        'li',
        {},
        el('strong', {}, w(`step.${d.step}`)),
        ' ',
        fmtTime(d.dueAt),
        ' ',
        state,
        d.breachedAt ? el('span', { class: 'badge emergency' }, w('rec.breached')) : '',
      );
    }),
  );
}

function renderHistory(r) {
  $('#rec-history').replaceChildren(
    ...r.history.map((h) =>
      el(
        'li',
        { 'data-action': h.action },
        el('time', { datetime: h.at }, fmtTime(h.at)),
        ' ',
        el('strong', {}, w(`act.${h.action}`)),
        ' ',
        w('rec.by', { who: who(h.actorId), role: w(`role.${h.actorRole}`) }),
        h.from && h.from !== h.to ? ` · ${w(`state.${h.from}`)} → ${w(`state.${h.to}`)}` : '',
        h.note ? el('div', {}, h.note) : '',
      ),
    ),
  );
  const reports = r.reports ?? [];
  $('#rec-reports-box').hidden = reports.length === 0;
  $('#rec-reports').replaceChildren(
    ...reports.map((p) =>
      el(
        'li',
        {},
        el('time', { datetime: p.receivedAt }, fmtTime(p.receivedAt)),
        ' ',
        w(`source.${p.source}`),
        ' ',
        [p.contactName, p.contactPhone].filter(Boolean).join(' '),
        el('div', {}, p.content),
      ),
    ),
  );
}

async function dutyField(id) {
  const select = el('select', { id, name: 'assigneeId', required: true });
  const people = [...staff.values()].filter(
    (s) => s.active && (s.trades.includes(record.trade) || s.roles.includes('supervisor')),
  );
  let pick;
  try {
    pick = await api(
      'GET',
      `/duty/now?site=${encodeURIComponent(record.site)}&trade=${record.trade}${record.area ? `&area=${encodeURIComponent(record.area)}` : ''}`,
    );
  } catch {
    pick = null;
  }
  select.append(
    ...people.map((s) =>
      el(
        'option',
        { value: s.id, selected: s.id === pick?.staffId },
        `${s.name} (${s.id})${s.id === pick?.staffId ? ` · ${w('rec.onDuty')}` : ''}`,
      ),
    ),
  );
  return select;
}

async function post(action, body) {
  try {
    await api('POST', `/records/${id}/actions/${action}`, body);
    $('#rec-form').replaceChildren();
    toast(w('rec.done', { action: w(`act.${action}`) }));
    await load();
  } catch (err) {
    fail(err);
  }
}

async function openForm(action) {
  // On the phone a step that needs nothing more is one tap (notes can follow as a note).
  if (data.phone && !forms[action].required?.length && action !== 'escalate') return post(action, {});
  const box = $('#rec-form');
  const fields = {};
  if (action === 'dispatch' || action === 'reassign') {
    const select = await dutyField('assignee');
    fields.assigneeId = () => select;
  }
  const form = stepForm(action, forms[action], {
    fields,
    big: data.phone,
    onCancel: () => box.replaceChildren(),
    onSubmit: (body) => post(action, body),
  });
  box.replaceChildren(form);
  form.querySelector('input, select, textarea, button')?.focus();
}

function renderActions(allowed) {
  const box = $('#rec-actions');
  box.replaceChildren(
    ...(allowed.length
      ? allowed.map((a) =>
          el(
            'button',
            {
              type: 'button',
              class: `${a === allowed[0] ? 'primary' : ''}${data.phone ? ' big' : ''}`,
              'data-action': a,
              onclick: () => openForm(a).catch(fail),
            },
            w(`act.${a}`),
          ),
        )
      : [el('p', { class: 'muted' }, w('rec.noActions'))]),
  );
}

// Who was told what about this record, and how it went (GET /records/:id/notifications): for the
// desk, supervisors and managers; hidden from anyone the API refuses.
const NOTIFY_READERS = ['front_desk', 'supervisor', 'manager', 'admin'];
async function renderNotifications() {
  const box = $('#rec-notify-box');
  if (!box || !data.session?.roles?.some((r) => NOTIFY_READERS.includes(r))) return;
  const { items } = await api('GET', `/records/${id}/notifications?limit=20`);
  box.hidden = items.length === 0;
  $('#rec-notify').replaceChildren(
    ...items.map((n) =>
      el(
        'li',
        { 'data-state': n.state },
        el('time', { datetime: n.createdAt }, fmtTime(n.createdAt)),
        ' ',
        w('rec.notifyTo', { channel: n.channel, to: n.staffId ? who(n.staffId) : n.target }),
        ' · ',
        w('rec.notifyState', { state: n.state, n: n.attempts }),
        n.lastAnswer && n.state !== 'sent' ? el('div', { class: 'muted' }, n.lastAnswer) : '',
      ),
    ),
  );
}

async function load() {
  const [r, allowed] = await Promise.all([
    api('GET', `/records/${id}`),
    api('GET', `/records/${id}/allowed-actions`),
  ]);
  record = r;
  if (!staff.size)
    for (const s of (await api('GET', `/staff?site=${encodeURIComponent(r.site)}`)).items) staff.set(s.id, s);
  renderDetails(r);
  renderDeadlines(r);
  renderHistory(r);
  // The procedure's order; the field's next step first, notes and cancellation last.
  renderActions(allowed.items);
  await renderPhotos(id, allowed.items);
  await renderNotifications().catch(() => {});
  $('#record').setAttribute('aria-busy', 'false');
  await renderEvidence(r);
}

setInterval(() => {
  for (const span of document.querySelectorAll('span[data-due]'))
    span.textContent = fmtLeft(new Date(span.dataset.due) - Date.now());
}, 1000);

const notice = sessionStorage.getItem('fm.notice');
if (notice) {
  sessionStorage.removeItem('fm.notice');
  toast(notice);
}

bindPhotoUpload(id, () => load());

let connected = false;
load()
  .then(() => {
    // Opened from a slip's big button for a step with a form (e.g. ?act=complete).
    const asked = new URLSearchParams(location.search).get('act');
    if (asked && $(`#rec-actions button[data-action="${CSS.escape(asked)}"]`)) openForm(asked).catch(fail);
  })
  .then(() =>
    follow(
      record.site,
      // Someone else's change reloads the page's data, unless a form is open (it would be lost).
      { record: (e) => e.record.id === id && !$('#rec-form').childElementCount && load().catch(fail) },
      async () => {
        if (connected) await load();
        connected = true;
      },
    ),
  )
  .catch(fail);
