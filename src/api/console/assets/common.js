// Shared by every console page: words, page data, the JSON API with the session's CSRF token,
// small DOM helpers. No framework: pages are rendered on the server; this fills in data.
const read = (id) => JSON.parse(document.getElementById(id)?.textContent || '{}');
const words = read('page-words');
const data = read('page-data');
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || '';

function w(key, vars = {}) {
  const text = words[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The JSON API with the session cookie; changes carry the CSRF token (docs/console.md). */
async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', w('err.network'));
  }
  if (res.status === 401) {
    location.assign(`/sign-in?ended=1&next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError(401, 'unauthorized', 'signed out');
  }
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const e = json?.error ?? {};
    throw new ApiError(
      res.status,
      e.code ?? 'error',
      res.status === 403 ? w('err.forbidden') : (e.message ?? res.statusText),
    );
  }
  return json;
}

/** An element with attributes and children; strings become text nodes (never HTML). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

let toastTimer;
function toast(message) {
  const box = document.getElementById('toast');
  if (!box) return;
  box.textContent = message;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    box.textContent = '';
  }, 6000);
}

function fail(err) {
  toast(err.code === 'network' ? err.message : w('err.generic', { message: err.message }));
}

const locale = data.lang === 'en' ? 'en-GB' : 'zh-CN';
const timeFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' });
function fmtTime(at) {
  return at ? timeFmt.format(new Date(at)) : '';
}

/** "-1:05" when late, "4:59" when in time; hours when long. */
function fmtLeft(ms) {
  const late = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const body =
    h > 0
      ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`
      : `${m}:${String(s).padStart(2, '0')}`;
  return late ? `-${body}` : body;
}

globalThis.fm = { words, data, csrf, w, api, el, toast, fail, fmtTime, fmtLeft, ApiError };

// Phone pages work from the home screen and keep their files for a slow link (sw.js).
if (data.phone && 'serviceWorker' in navigator)
  navigator.serviceWorker.register('/m/sw.js', { scope: '/m' }).catch(() => {});

/**
 * The site a page works on: ?site=, else the last one chosen, else the first the person works.
 * Fills the <select id="site"> and reloads the page with ?site= when it changes.
 */
async function pickSite() {
  const select = document.getElementById('site');
  const { items } = await api('GET', '/sites');
  const mine = data.session?.sites?.length ? items.filter((s) => data.session.sites.includes(s.id)) : items;
  const asked = new URLSearchParams(location.search).get('site');
  const last = localStorage.getItem('fm.site');
  const site = [asked, last].find((s) => s && mine.some((m) => m.id === s)) ?? mine[0]?.id ?? null;
  if (select) {
    select.replaceChildren(
      ...mine.map((s) => el('option', { value: s.id, selected: s.id === site }, s.name)),
    );
    select.addEventListener('change', () => {
      const q = new URLSearchParams(location.search);
      q.set('site', select.value);
      location.search = q.toString();
    });
  }
  if (site) localStorage.setItem('fm.site', site);
  globalThis.fm.siteInfo = mine.find((m) => m.id === site);
  return site;
}

/** Where a record or alert is, in words: building, floor, unit, area, free text. */
function placeOf(r) {
  const floor =
    r.floor === null || r.floor === undefined ? null : r.floor < 0 ? `B${-r.floor}` : `${r.floor}F`;
  return [r.building, floor, r.unit, r.area, r.location]
    .filter((x) => x !== null && x !== undefined && x !== '')
    .join(' · ');
}

/** Countdown class: red when late, amber in the last 30% of the step's time (or last minute). */
function dueClass(dueAt, since, now = Date.now()) {
  const left = new Date(dueAt).getTime() - now;
  if (left < 0) return 'red';
  const span = since ? new Date(dueAt).getTime() - new Date(since).getTime() : 0;
  return left <= Math.max(60_000, 0.3 * span) ? 'amber' : 'ok';
}

Object.assign(globalThis.fm, { pickSite, placeOf, dueClass });
