// A record's device evidence: the readings window its rule saw (chart and table), the Grafana
// link, and the device's last readings and online state (InfluxDB's; without it, say so).
const { api, el, w, fmtTime, chart } = globalThis.fm;
const $ = (sel) => document.querySelector(sel);

function kv(pairs) {
  return pairs
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]);
}

async function renderEvidence(r) {
  const ev = r.evidence && typeof r.evidence === 'object' ? r.evidence : null;
  $('#rec-evidence').hidden = !ev && !r.deviceId;
  const win = [];
  if (ev?.readings?.length) {
    win.push(el('h3', {}, w('rec.window')), chart(ev.readings, w('rec.window')));
    const keys = [...new Set(ev.readings.flatMap((p) => Object.keys(p)))];
    win.push(
      el(
        'div',
        { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': w('rec.window') },
        el(
          'table',
          { class: 'grid' },
          el('thead', {}, el('tr', {}, ...keys.map((k) => el('th', { scope: 'col' }, k)))),
          el(
            'tbody',
            {},
            ...ev.readings.map((p) =>
              el('tr', {}, ...keys.map((k) => el('td', {}, k === 'at' ? fmtTime(p[k]) : String(p[k] ?? '')))),
            ),
          ),
        ),
      ),
    );
  }
  if (typeof ev?.link === 'string' && /^https?:\/\//.test(ev.link))
    win.push(el('p', {}, el('a', { href: ev.link, rel: 'noopener' }, w('rec.grafana'))));
  $('#rec-window').replaceChildren(...win);
  if (!r.deviceId) return;
  const box = $('#rec-device');
  try {
    const s = await api('GET', `/devices/${encodeURIComponent(r.deviceId)}/status-and-last-readings`);
    const status = s.heartbeatLost ? w('rec.heartbeat') : w(`rec.${s.status}`);
    box.replaceChildren(
      el('h3', {}, w('rec.readings'), ' ', el('span', { class: 'badge' }, status)),
      el(
        'dl',
        { class: 'kv' },
        ...kv([
          [w('col.received'), fmtTime(s.lastReadingAt)],
          ...Object.entries(s.readings).map(([k, v]) => [k, String(v)]),
        ]),
      ),
    );
  } catch (err) {
    const msg =
      err.code === 'history-unavailable'
        ? /not kept/.test(err.message)
          ? w('rec.noHistory')
          : w('rec.historyDown')
        : err.message;
    box.replaceChildren(el('h3', {}, w('rec.readings')), el('p', { class: 'muted', id: 'no-readings' }, msg));
  }
}

globalThis.fm.renderEvidence = renderEvidence;
