// An engineer's slips on the phone: records assigned to me, most urgent first, with the next
// step as a big button. A step without required fields is one tap; others open the slip's form.
const { api, el, w, fmtTime, fail, toast, follow, alarm, data, placeOf } = globalThis.fm;
const me = data.session.userId;
const forms = data.procedure.forms;
/** Shown on the slip's own page, not as the card's big button. */
const SECONDARY = new Set(['note', 'call_resident', 'block', 'escalate', 'reclassify', 'cancel', 'reassign']);
const RANK = { emergency: 0, urgent: 1, normal: 2, low: 3 };
const list = document.getElementById('slips');
const slips = new Map();
const allowed = new Map();
let loaded = false;

async function step(id, action) {
  const schema = forms[action];
  if (schema.required?.length) {
    location.assign(`/m/records/${id}?act=${action}`);
    return;
  }
  try {
    await api('POST', `/records/${id}/actions/${action}`, {});
    toast(w('rec.done', { action: w(`act.${action}`) }));
    await load();
  } catch (err) {
    fail(err);
  }
}

function render() {
  const items = [...slips.values()].sort(
    (a, b) => (RANK[a.priority] ?? 9) - (RANK[b.priority] ?? 9) || a.id - b.id,
  );
  list.replaceChildren(
    ...(items.length
      ? items.map((r) =>
          el(
            'li',
            { 'data-record': r.id, class: r.priority === 'emergency' ? 'alarm' : '' },
            el(
              'a',
              { class: 'slip', href: `/m/records/${r.id}` },
              el('span', { class: `badge ${r.priority}` }, w(`priority.${r.priority}`)),
              ' ',
              el('span', { class: 'badge' }, w(`state.${r.state}`)),
              el('h2', {}, `#${r.id} ${r.title}`),
              el('div', {}, placeOf(r)),
              el('div', { class: 'muted' }, fmtTime(r.dispatchedAt ?? r.receivedAt)),
            ),
            el(
              'div',
              { class: 'stack' },
              ...(allowed.get(r.id) ?? [])
                .filter((a) => !SECONDARY.has(a))
                .slice(0, 2)
                .map((a, i) =>
                  el(
                    'button',
                    {
                      type: 'button',
                      class: `big${i === 0 ? ' primary' : ''}`,
                      'data-action': a,
                      onclick: () => step(r.id, a),
                    },
                    w(`act.${a}`),
                  ),
                ),
            ),
          ),
        )
      : [el('li', { class: 'muted' }, w('m.none'))]),
  );
  list.setAttribute('aria-busy', 'false');
}

async function load() {
  const { items } = await api('GET', `/records?assignee=${encodeURIComponent(me)}&open=true&limit=100`);
  const fresh = items.filter((r) => !slips.has(r.id));
  slips.clear();
  for (const r of items) slips.set(r.id, r);
  const answers = await Promise.all(items.map((r) => api('GET', `/records/${r.id}/allowed-actions`)));
  allowed.clear();
  for (const [i, r] of items.entries()) allowed.set(r.id, answers[i].items);
  render();
  if (loaded)
    for (const r of fresh) if (r.priority === 'emergency') alarm.ring(r.title, `/m/records/${r.id}`);
  loaded = true;
}

let timer;
follow(
  null,
  {
    record: ({ record }) => {
      if (record.assigneeId !== me && !slips.has(record.id)) return;
      clearTimeout(timer);
      timer = setTimeout(() => load().catch(fail), 200);
    },
  },
  load,
);

// What the platform sent me, and whether it got through (GET /staff/:me/notifications): loaded
// only when opened, so the slip list stays as small as it was.
const myNotify = document.getElementById('my-notify');
myNotify?.addEventListener('toggle', () => {
  if (!myNotify.open) return;
  api('GET', `/staff/${encodeURIComponent(me)}/notifications?limit=20`)
    .then(({ items }) => {
      const list = document.getElementById('my-notify-list');
      list.replaceChildren(
        ...(items.length
          ? items.map((n) =>
              el(
                'li',
                { 'data-state': n.state },
                el('time', { datetime: n.createdAt }, fmtTime(n.createdAt)),
                ` ${n.channel} · ${n.title} · ${n.state}`,
              ),
            )
          : [el('li', {}, w('m.notifyNone'))]),
      );
    })
    .catch(fail);
});
