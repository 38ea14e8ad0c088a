// Inspection rounds on the phone: my due and walking rounds, one round point by point (faulty
// devices first, then the checkpoints scanned in order), and the page a checkpoint's QR code opens,
// which checks the point in at once. Every change goes through the JSON API (/rounds).
const { api, el, w, fmtTime, fail, toast, data } = globalThis.fm;
const me = data.session.userId;

const go = (id) => location.assign(`/m/rounds/${id}`);

async function start(body) {
  try {
    go((await api('POST', '/rounds', body)).id);
  } catch (err) {
    fail(err);
  }
}

async function listView() {
  const list = document.getElementById('rounds');
  const { items } = await api('GET', `/rounds?state=due,in_progress&assignee=${encodeURIComponent(me)}`);
  list.replaceChildren(
    ...(items.length
      ? items.map((r) =>
          el(
            'li',
            { 'data-round': r.id },
            el('span', { class: 'badge' }, w(`rd.state.${r.state}`)),
            r.late ? el('span', { class: 'badge emergency' }, w('rd.late')) : '',
            el('h2', {}, r.routeName),
            el('div', { class: 'muted' }, w('rd.due', { at: fmtTime(r.dueAt) })),
            el(
              'button',
              {
                type: 'button',
                class: 'big primary',
                onclick: () => (r.state === 'due' ? start({ round: r.id }) : go(r.id)),
              },
              w(r.state === 'due' ? 'rd.start' : 'rd.open'),
            ),
          ),
        )
      : [el('li', { class: 'muted' }, w('rd.none'))]),
  );
  list.setAttribute('aria-busy', 'false');
  document
    .getElementById('routes')
    .replaceChildren(
      ...data.routes.map((r) =>
        el(
          'li',
          { 'data-route': r.id },
          el('h2', {}, r.name),
          el(
            'button',
            { type: 'button', class: 'big', onclick: () => start({ site: r.site, route: r.id }) },
            w('rd.start'),
          ),
        ),
      ),
    );
}

function findingForm(round, point, li) {
  const id = `finding-${point.id}`;
  const form = el(
    'form',
    { class: 'stack' },
    el('label', { for: id }, w('rd.findingPrompt')),
    el('textarea', { id, required: true, maxlength: 4000, rows: 3 }),
    el('button', { type: 'submit', class: 'big primary' }, w('rd.finding')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const out = await api('POST', `/rounds/${round.id}/findings`, {
        point: point.id,
        content: form.querySelector('textarea').value.trim(),
      });
      toast(w('rd.findingSent', { id: out.record.id }));
      render(out.round);
    } catch (err) {
      fail(err);
    }
  });
  li.querySelector('form')?.remove();
  li.append(form);
  form.querySelector('textarea').focus();
}

function pointItem(round, p) {
  const walking = round.state === 'in_progress';
  const li = el(
    'li',
    { 'data-point': p.id, 'data-state': p.state },
    el('span', { class: `badge${p.state === 'missed' ? ' emergency' : ''}` }, w(`rd.point.${p.state}`)),
    el('h2', {}, p.name),
    p.location ? el('div', {}, p.location) : '',
    p.seq < 0
      ? el(
          'div',
          { class: 'notice' },
          w('rd.faulty'),
          p.recordId ? [' · ', el('a', { href: `/m/records/${p.recordId}` }, `#${p.recordId}`)] : '',
        )
      : '',
    p.findingRecordId
      ? el('div', {}, el('a', { href: `/m/records/${p.findingRecordId}` }, `#${p.findingRecordId}`))
      : '',
  );
  if (walking && p.state === 'due' && p.checkpointId === null) {
    li.append(
      el(
        'button',
        {
          type: 'button',
          class: 'big primary',
          onclick: async () => {
            try {
              render(await api('POST', `/rounds/${round.id}/confirm`, { point: p.id }));
            } catch (err) {
              fail(err);
            }
          },
        },
        w('rd.checked'),
      ),
    );
  } else if (walking && p.state === 'due') {
    li.append(el('div', { class: 'muted' }, w('rd.scan')));
  }
  if (round.state !== 'due' && p.state === 'confirmed' && !p.findingRecordId) {
    li.append(
      el(
        'button',
        { type: 'button', class: 'big', onclick: () => findingForm(round, p, li) },
        w('rd.finding'),
      ),
    );
  }
  return li;
}

function render(round) {
  document.getElementById('round-title').textContent = round.routeName;
  const meta = [w(`rd.state.${round.state}`)];
  if (round.deadlineAt) meta.push(w('rd.deadline', { at: fmtTime(round.deadlineAt) }));
  if (round.late) meta.push(w('rd.late'));
  document.getElementById('round-meta').textContent = meta.join(' · ');
  const list = document.getElementById('points');
  list.replaceChildren(...round.points.map((p) => pointItem(round, p)));
  list.setAttribute('aria-busy', 'false');
  const finish = document.getElementById('finish');
  finish.hidden = round.state !== 'in_progress';
  finish.onclick = async () => {
    try {
      render(await api('POST', `/rounds/${round.id}/finish`));
    } catch (err) {
      fail(err);
    }
  };
}

async function pointView() {
  const state = document.getElementById('point-state');
  const actions = document.getElementById('point-actions');
  const done = (round) => {
    state.textContent = w('rd.confirmed', { name: data.name });
    state.setAttribute('aria-busy', 'false');
    actions.replaceChildren(el('a', { class: 'big button', href: `/m/rounds/${round.id}` }, w('rd.back')));
  };
  const confirm = async (id) => done(await api('POST', `/rounds/${id}/confirm`, { code: data.code }));
  const q = `state=in_progress&assignee=${encodeURIComponent(me)}&site=${encodeURIComponent(data.site)}`;
  const walking = (await api('GET', `/rounds?${q}`)).items.find((r) => r.route === data.route);
  if (walking) {
    try {
      await confirm(walking.id);
    } catch (err) {
      state.textContent = err.message;
      state.setAttribute('aria-busy', 'false');
      actions.replaceChildren(
        el('a', { class: 'big button', href: `/m/rounds/${walking.id}` }, w('rd.back')),
      );
    }
    return;
  }
  state.textContent = w('rd.noRound');
  state.setAttribute('aria-busy', 'false');
  actions.replaceChildren(
    el(
      'button',
      {
        type: 'button',
        class: 'big primary',
        onclick: async () => {
          try {
            await confirm((await api('POST', '/rounds', { site: data.site, route: data.route })).id);
          } catch (err) {
            fail(err);
          }
        },
      },
      w('rd.startHere'),
    ),
  );
}

const views = {
  list: listView,
  round: async () => render(await api('GET', `/rounds/${data.id}`)),
  point: pointView,
};
views[data.view]().catch(fail);
