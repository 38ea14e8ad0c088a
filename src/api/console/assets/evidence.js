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
  renderCommands(r);
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

const ENDED = ['answered', 'failed', 'expired'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Commands to the record's device (docs/mqtt-contract.md, Commands): report-now always, reset while
 * the record is an unrecovered circuit trip. The answer is awaited here and lands in the history.
 */
function renderCommands(r) {
  const open = r.deviceId && r.state !== 'closed' && r.state !== 'cancelled';
  $('#rec-commands').hidden = !open;
  if (!open) return;
  const status = $('#cmd-status');
  const send = (command) => async (ev) => {
    const button = ev.currentTarget;
    const name = w(`rec.cmd.${command}`);
    const path = `/devices/${encodeURIComponent(r.deviceId)}/commands`;
    button.disabled = true;
    try {
      let c = await api('POST', path, { command, recordId: r.id });
      status.textContent = w('rec.cmd.queued', { command: name });
      // Until the device answers or the command expires (the platform's deadline ends it).
      while (!ENDED.includes(c.state)) {
        await sleep(1000);
        const { items } = await api('GET', `${path}?limit=20`);
        c = items.find((x) => x.id === c.id) ?? c;
        status.textContent = w(`rec.cmd.${c.state}`, {
          command: name,
          detail: c.detail ?? c.lastError ?? '',
        });
      }
    } catch (err) {
      status.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  };
  const button = (command, cls) =>
    el(
      'button',
      { type: 'button', class: cls, 'data-command': command, onclick: send(command) },
      w(`rec.cmd.${command}`),
    );
  const tripped = r.faultCode === 'circuit_trip' && !r.recoveredAt;
  $('#cmd-buttons').replaceChildren(button('report-now'), ...(tripped ? [button('reset', 'primary')] : []));
}

globalThis.fm.renderEvidence = renderEvidence;
