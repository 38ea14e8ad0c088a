// Recording a call or walk-in (step "received"): as the place is entered, the API's merge
// candidates are offered, so a call about a lift that already has a record joins it instead of
// starting a second dispatch.
const { api, el, w, fail, pickSite, placeOf } = globalThis.fm;
const form = document.getElementById('new-record');
const box = document.getElementById('candidates');
const list = document.getElementById('candidate-list');
const PLACE = ['deviceId', 'building', 'floor', 'unit', 'area', 'location'];
let site;
let devices = [];

const field = (name) => form.elements.namedItem(name);

async function candidates() {
  const q = new URLSearchParams({ site });
  for (const name of PLACE) if (field(name).value.trim()) q.set(name, field(name).value.trim());
  if ([...q.keys()].length === 1) {
    box.hidden = true;
    list.replaceChildren();
    return;
  }
  const { items } = await api('GET', `/records/merge-candidates?${q}`);
  box.hidden = items.length === 0;
  list.replaceChildren(
    ...items.map(({ record: r }, i) =>
      el(
        'label',
        { class: 'row' },
        el('input', { type: 'radio', name: 'merge', value: String(r.id), checked: i === 0 }),
        ' ',
        w('new.attach', { id: r.id }),
        el(
          'span',
          { class: 'muted' },
          ` — ${w('new.candidate', { id: r.id, title: r.title, state: w(`state.${r.state}`), source: w(`source.${r.source}`) })} ${placeOf(r)}`,
        ),
      ),
    ),
    ...(items.length
      ? [
          el(
            'label',
            { class: 'row' },
            el('input', { type: 'radio', name: 'merge', value: 'new' }),
            ' ',
            w('new.anyway'),
          ),
        ]
      : []),
  );
}

let timer;
const later = () => {
  clearTimeout(timer);
  timer = setTimeout(() => candidates().catch(fail), 250);
};

function body() {
  const b = { site, merge: 'auto' };
  for (const el of form.elements) {
    if (!el.name || el.name === 'merge' || el.id === 'site') continue;
    const v = el.value.trim();
    if (v === '') continue;
    if (el.name === 'floor') b.floor = Number(v);
    else if (el.name === 'appointmentAt') b.appointmentAt = new Date(v).toISOString();
    else b[el.name] = v;
  }
  const chosen = form.querySelector('input[name=merge]:checked');
  if (chosen) b.merge = chosen.value === 'new' ? 'new' : Number(chosen.value);
  return b;
}

async function submit(e) {
  e.preventDefault();
  if (!form.reportValidity()) return;
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const res = await api('POST', '/records', body());
    if (res.merged) sessionStorage.setItem('fm.notice', w('new.merged', { id: res.record.id }));
    location.assign(`/desk/records/${res.record.id}`);
  } catch (err) {
    fail(err);
    button.disabled = false;
  }
}

async function main() {
  site = await pickSite();
  if (!site) return;
  const [detail, devs] = await Promise.all([
    api('GET', `/sites/${encodeURIComponent(site)}`),
    api('GET', `/devices?site=${encodeURIComponent(site)}&limit=500`),
  ]);
  devices = devs.items;
  field('building').append(...detail.buildings.map((b) => el('option', { value: b.id }, b.name)));
  field('area').append(...detail.areas.map((a) => el('option', { value: a.id }, a.name)));
  field('deviceId').append(
    ...devices.map((d) => el('option', { value: d.id }, `${d.id}${d.location ? ` — ${d.location}` : ''}`)),
  );
  field('deviceId').addEventListener('change', () => {
    const d = devices.find((x) => x.id === field('deviceId').value);
    if (d?.building) field('building').value = d.building;
    if (d && d.floor !== null && d.floor !== undefined) field('floor').value = String(d.floor);
  });
  for (const name of PLACE) field(name).addEventListener('input', later);
  for (const name of PLACE) field(name).addEventListener('change', later);
  form.addEventListener('submit', submit);
}

main().catch(fail);
