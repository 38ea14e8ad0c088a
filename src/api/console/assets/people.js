// Admins' people page: sign-ins through GET/PUT /logins and invitation links.
const { api, el, w, fmtTime, fail, toast } = globalThis.fm;
const body = document.querySelector('#people tbody');
const linkBox = document.getElementById('invite-link');

function status(p) {
  if (!p.active) return w('people.inactive');
  if (p.hasPassword) return w('people.ready');
  if (p.invitationExpiresAt) return w('people.invited', { at: fmtTime(p.invitationExpiresAt) });
  return w('people.noPassword');
}

function row(p) {
  const id = p.staffId;
  const pwForm = el(
    'form',
    { class: 'row', hidden: true, onsubmit: (e) => setPassword(e, id) },
    el('label', { for: `pw-${id}`, class: 'sr-only' }, w('people.passwordPrompt', { id })),
    el('input', {
      id: `pw-${id}`,
      type: 'password',
      autocomplete: 'new-password',
      minlength: 8,
      required: true,
    }),
    el('button', { type: 'submit', class: 'primary' }, w('people.setPassword')),
  );
  return el(
    'tr',
    { 'data-staff': id },
    el('td', {}, id),
    el('td', {}, p.name),
    el('td', {}, (p.roles ?? p.staffRoles).map((r) => w(`role.${r}`)).join(', ')),
    el('td', {}, p.username ?? '—'),
    el('td', {}, status(p)),
    el('td', { class: 'num' }, String(p.failedCount)),
    el('td', {}, fmtTime(p.lastSignInAt)),
    el(
      'td',
      {},
      el(
        'div',
        { class: 'actions' },
        el('button', { type: 'button', onclick: () => invite(id), disabled: !p.active }, w('people.invite')),
        el(
          'button',
          { type: 'button', onclick: () => (pwForm.hidden = !pwForm.hidden), disabled: !p.active },
          w('people.setPassword'),
        ),
        el('button', { type: 'button', onclick: () => endSessions(id) }, w('people.signOutAll')),
        // Trades, sites, contact and notifications: the person's page, a plain form to the API.
        el(
          'a',
          {
            href: `/manage/people/${encodeURIComponent(id)}?back=${encodeURIComponent('/admin/people')}`,
            'aria-label': w('pe.editWho', { name: p.name }),
          },
          w('pe.edit'),
        ),
      ),
      pwForm,
    ),
  );
}

async function load() {
  try {
    const { items } = await api('GET', '/logins');
    body.replaceChildren(...items.map(row));
  } catch (err) {
    fail(err);
  }
}

async function invite(id) {
  try {
    const { path } = await api('POST', `/logins/${encodeURIComponent(id)}/invitations`, {});
    linkBox.hidden = false;
    linkBox.replaceChildren(
      w('people.linkShown'),
      ' ',
      el('code', { id: 'invite-url' }, `${location.origin}${path}`),
    );
    await load();
  } catch (err) {
    fail(err);
  }
}

async function setPassword(e, id) {
  e.preventDefault();
  const input = e.target.querySelector('input');
  try {
    await api('PUT', `/logins/${encodeURIComponent(id)}`, { password: input.value });
    toast(w('people.done'));
    await load();
  } catch (err) {
    fail(err);
  }
}

async function endSessions(id) {
  try {
    const { sessionsEnded } = await api('POST', `/logins/${encodeURIComponent(id)}/revoke-sessions`);
    toast(w('people.ended', { n: sessionsEnded }));
  } catch (err) {
    fail(err);
  }
}

load();
