// The duty page's people: who works this site, added and taken off the duty table through the
// API's /staff (POST, PATCH), which decides who may give which role; each links to the person's
// page (/manage/people/:id) for the rest of their fields. duty.js owns the rest of the page.
const { api, el, w, fail, toast } = globalThis.fm;
const siteSelect = document.getElementById('site');
const body = document.querySelector('#people tbody');
const form = document.getElementById('add-person');

/** The page's site: duty.js fills the select; its value is the site shown. */
const currentSite = () => siteSelect.value;

function row(p) {
  const toggle = el(
    'button',
    { type: 'button', onclick: () => setActive(p.id, !p.active) },
    w(p.active ? 'du.deactivate' : 'du.activate'),
  );
  return el(
    'tr',
    { 'data-staff': p.id, 'data-active': String(p.active) },
    el('td', {}, `${p.name} (${p.id})`),
    el('td', {}, p.phone ?? '—'),
    el('td', {}, p.roles.map((r) => w(`role.${r}`)).join(', ')),
    el('td', {}, p.trades.map((t) => w(`trade.${t}`)).join(', ') || '—'),
    el('td', {}, p.sites.length ? '' : `${w('du.everySite')} · `, toggle, ' · ', editLink(p)),
  );
}

/** The person's own page: trades, sites, contact and notifications, a plain form to the API. */
function editLink(p) {
  const back = `/manage/duty?site=${encodeURIComponent(currentSite())}`;
  return el(
    'a',
    {
      href: `/manage/people/${encodeURIComponent(p.id)}?back=${encodeURIComponent(back)}`,
      'aria-label': w('pe.editWho', { name: p.name }),
    },
    w('pe.edit'),
  );
}

async function load() {
  const site = currentSite();
  if (!site) return;
  const { items } = await api('GET', `/staff?site=${encodeURIComponent(site)}`);
  body.replaceChildren(...items.map(row));
}

async function setActive(id, active) {
  try {
    await api('PATCH', `/staff/${encodeURIComponent(id)}`, { active });
    await load();
  } catch (err) {
    fail(err);
  }
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const data = new FormData(form);
  const phone = String(data.get('phone') ?? '').trim();
  try {
    await api('POST', '/staff', {
      id: String(data.get('id')).trim(),
      name: String(data.get('name')).trim(),
      ...(phone ? { phone } : {}),
      roles: data.getAll('roles').map(String),
      trades: data.getAll('trades').map(String),
      // A person added here works this site; people of every site are an admin's to add.
      sites: [currentSite()],
    });
    form.reset();
    toast(w('du.addPerson'));
    await load();
  } catch (err) {
    fail(err);
  }
});

// duty.js picks the site and says so; it may have done so before this script ran (a site in the
// address needs no API call), and then it has left the site on the document.
if (document.documentElement.dataset.site) load().catch(fail);
else document.addEventListener('fm:site', () => load().catch(fail), { once: true });
