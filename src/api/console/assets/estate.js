// A site's devices by building (GET /devices), with their online state and last reading (GET
// /devices/:id/status-and-last-readings, InfluxDB's), open faults (GET /records?open=true) and
// maintenance windows (GET /maintenance-windows). Without InfluxDB the page says so once.
const { api, el, w, fmtTime, fail, pickSite } = globalThis.fm;
const box = document.getElementById('buildings');

async function statuses(devices) {
  const out = new Map();
  for (const d of devices) {
    try {
      out.set(d.id, await api('GET', `/devices/${encodeURIComponent(d.id)}/status-and-last-readings`));
    } catch (err) {
      if (err.code === 'history-unavailable') {
        const note = document.getElementById('history-note');
        note.hidden = false;
        note.textContent = /not kept/.test(err.message) ? w('es.notKept') : err.message;
        return out; // one answer is enough: the store is the same for every device
      }
      throw err;
    }
  }
  return out;
}

/** docs/api.md: a window on an area covers the devices of the area's building. */
function covers(m, d, areaBuilding) {
  if (m.scope === 'site') return true;
  if (m.scope === 'device') return m.target === d.id;
  if (m.scope === 'building') return m.target === d.building;
  return areaBuilding.get(m.target) === d.building;
}

async function main() {
  const site = await pickSite();
  if (!site) return;
  const q = encodeURIComponent(site);
  const [detail, devices, open, windows] = await Promise.all([
    api('GET', `/sites/${q}`),
    api('GET', `/devices?site=${q}`),
    api('GET', `/records?site=${q}&open=true&limit=500`),
    api('GET', `/maintenance-windows?site=${q}&state=planned,active`),
  ]);
  const live = devices.items.filter((d) => !d.revokedAt);
  const areaBuilding = new Map(detail.areas.map((a) => [a.id, a.building]));
  const status = await statuses(live);
  const faults = new Map();
  for (const r of open.items) if (r.deviceId) faults.set(r.deviceId, [...(faults.get(r.deviceId) ?? []), r]);
  const groups = [
    ...detail.buildings.map((b) => ({ id: b.id, name: b.name })),
    { id: null, name: w('es.noBuilding') },
  ];
  box.replaceChildren(
    ...groups
      .map((g) => ({ g, list: live.filter((d) => (d.building ?? null) === g.id) }))
      .filter(({ list }) => list.length)
      .map(({ g, list }) =>
        el(
          'section',
          { class: 'card', 'data-building': g.id ?? '' },
          el('h2', {}, g.name),
          el(
            'div',
            { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': g.name },
            el(
              'table',
              { class: 'grid' },
              el(
                'thead',
                {},
                el(
                  'tr',
                  {},
                  ...[
                    'es.device',
                    'es.kind',
                    'es.where',
                    'es.state',
                    'es.last',
                    'es.faults',
                    'es.maintenance',
                  ].map((k) => el('th', { scope: 'col' }, w(k))),
                ),
              ),
              el(
                'tbody',
                {},
                ...list.map((d) => {
                  const s = status.get(d.id);
                  const state = s ? (s.heartbeatLost ? w('es.silent') : w(`es.${s.status}`)) : '—';
                  return el(
                    'tr',
                    {
                      'data-device': d.id,
                      class: (faults.get(d.id) ?? []).some((r) => r.priority === 'emergency') ? 'alarm' : '',
                    },
                    el('td', {}, d.id),
                    el('td', {}, w(`kind.${d.kind}`)),
                    el(
                      'td',
                      {},
                      [d.location, d.floor !== null && d.floor !== undefined ? `${d.floor}F` : null]
                        .filter(Boolean)
                        .join(' · '),
                    ),
                    el('td', {}, state),
                    el('td', {}, s?.lastReadingAt ? fmtTime(s.lastReadingAt) : ''),
                    el(
                      'td',
                      {},
                      ...(faults.get(d.id) ?? []).map((r) =>
                        el(
                          'div',
                          {},
                          el('a', { href: `/desk/records/${r.id}` }, `#${r.id} ${r.faultCode ?? r.title}`),
                        ),
                      ),
                    ),
                    el(
                      'td',
                      {},
                      ...windows.items
                        .filter((m) => covers(m, d, areaBuilding))
                        .map((m) =>
                          el('div', {}, `${w(`mw.${m.state}`)} ${fmtTime(m.startsAt)}–${fmtTime(m.endsAt)}`),
                        ),
                    ),
                  );
                }),
              ),
            ),
          ),
        ),
      ),
  );
  box.setAttribute('aria-busy', 'false');
}

main().catch(fail);
