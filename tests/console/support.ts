/** The console over a real store: staff with passwords, and sign-ins through the real form. */

import { afterAll, beforeAll } from 'vitest';
import { maskCsrf } from '../../src/api/console/csrf.ts';
import { ADMIN, openTestApi, type TestApi } from '../api/support.ts';
import { type Browser, launchBrowser } from '../support/browser.ts';

export { ADMIN };

export interface SignedIn {
  /** `fm_session=...` for a Cookie header. */
  cookie: string;
  /** The session's CSRF token masked as a page carries it. */
  csrf: string;
}

/** Adds a site, a staff member with roles and a console password (through the admin API). */
export async function addPerson(
  t: TestApi,
  p: { id: string; roles: string[]; sites?: string[]; phone?: string; password?: string; trades?: string[] },
): Promise<void> {
  const staff = await t.call(ADMIN, 'POST', '/staff', {
    id: p.id,
    name: `Name ${p.id}`,
    roles: p.roles,
    sites: p.sites ?? [],
    trades: p.trades ?? [],
    ...(p.phone ? { phone: p.phone } : {}),
  });
  if (staff.statusCode !== 201) throw new Error(`staff: ${staff.statusCode} ${staff.body}`);
  const pw = await t.call(ADMIN, 'PUT', `/logins/${p.id}`, { password: p.password ?? `pw-${p.id}-secret` });
  if (pw.statusCode !== 200) throw new Error(`password: ${pw.statusCode} ${pw.body}`);
}

function cookiesOf(headers: Record<string, unknown>): Record<string, string> {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const out: Record<string, string> = {};
  for (const c of list as string[]) {
    const [pair] = c.split(';');
    const i = pair!.indexOf('=');
    out[pair!.slice(0, i)] = pair!.slice(i + 1);
  }
  return out;
}

/** GET /sign-in for the pre-session cookie and token, then POST the form as a browser would. */
export async function signInForm(
  t: TestApi,
  login: string,
  password: string,
  extra: Record<string, string> = {},
) {
  const page = await t.app.inject({ url: '/sign-in' });
  const pre = cookiesOf(page.headers).fm_pre!;
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const res = await t.app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { cookie: `fm_pre=${pre}`, 'content-type': 'application/x-www-form-urlencoded', ...extra },
    payload: new URLSearchParams({ _csrf: token, login, password, next: '' }).toString(),
  });
  return { res, cookies: cookiesOf(res.headers) };
}

/** Signs in and reads the CSRF token from a page, as the console's scripts do. */
export async function signIn(t: TestApi, login: string, password: string): Promise<SignedIn> {
  const { res, cookies } = await signInForm(t, login, password);
  if (res.statusCode !== 303) throw new Error(`sign-in: ${res.statusCode}`);
  const cookie = `fm_session=${cookies.fm_session}`;
  const home = await t.app.inject({ url: '/', headers: { cookie } });
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(home.body)?.[1];
  if (!csrf) throw new Error(`no csrf token on the home page: ${home.statusCode}`);
  return { cookie, csrf };
}

/** inject() as a signed-in browser: the cookie always, the CSRF header unless told otherwise. */
export function asSession(t: TestApi, s: SignedIn) {
  return (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH',
    url: string,
    body?: unknown,
    o: { csrf?: string | null } = {},
  ) =>
    t.app.inject({
      method,
      url,
      headers: {
        cookie: s.cookie,
        ...(o.csrf === null ? {} : { 'x-csrf-token': o.csrf ?? s.csrf }),
      },
      ...(body === undefined ? {} : { payload: body as object }),
    });
}

export { cookiesOf, maskCsrf, openTestApi };

/** Lets the built app listen on 127.0.0.1 for a browser; returns its base URL. */
export async function listen(t: TestApi): Promise<string> {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

/** Runs the app's clock on wall time (browsers drop cookies whose expiry is in their past). */
export function wallClock(t: TestApi): void {
  Object.defineProperty(t.clock, 't', { get: () => Date.now(), set: () => {}, configurable: true });
}

/**
 * An estate for the console's tests: site estate-1 with building B1 and lift L-B1-1, a desk, an
 * engineer on duty round the clock, a guard, a supervisor and a manager, each with a password
 * `pw-<id>-secret`.
 */
export async function seedEstate(t: TestApi): Promise<void> {
  const ok = async (res: Promise<{ statusCode: number; body: string }>) => {
    const r = await res;
    if (r.statusCode >= 300) throw new Error(`seed: ${r.statusCode} ${r.body}`);
  };
  await ok(t.call(ADMIN, 'POST', '/sites', { id: 'estate-1', name: '一号小区' }));
  await ok(t.call(ADMIN, 'POST', '/sites/estate-1/buildings', { id: 'B1', name: '1号楼', floors: 18 }));
  await ok(
    t.call(ADMIN, 'POST', '/devices', {
      id: 'L-B1-1',
      site: 'estate-1',
      kind: 'lift',
      building: 'B1',
      location: '1号楼 1号梯',
    }),
  );
  const sites = ['estate-1'];
  await addPerson(t, { id: 'desk-1', roles: ['front_desk'], sites });
  await addPerson(t, {
    id: 'eng-1',
    roles: ['engineer'],
    trades: ['engineering'],
    sites,
    phone: '139 0000 0002',
  });
  await addPerson(t, { id: 'guard-1', roles: ['guard'], trades: ['security'], sites });
  await addPerson(t, { id: 'sup-1', roles: ['supervisor'], trades: ['engineering', 'security'], sites });
  await addPerson(t, { id: 'mgr-1', roles: ['manager'], sites });
  await ok(
    t.call(ADMIN, 'POST', '/duty-shifts', {
      site: 'estate-1',
      staffId: 'eng-1',
      trade: 'engineering',
      starts: '00:00',
      ends: '00:00',
    }),
  );
}

/** An entrapment (or another fault) raised as rules/ raises it, with a readings window as evidence. */
export async function raiseEntrapment(t: TestApi, key = `k-${Date.now()}`, faultCode = 'entrapment') {
  const at = new Date(t.clock.t);
  const readings = [0, 1, 2, 3].map((i) => ({
    at: new Date(at.getTime() - (3 - i) * 10_000).toISOString(),
    speed_mps: i < 2 ? 1.5 : 0,
    door: 'closed',
  }));
  const fault = await t.desk!.raiseDeviceFault({
    deviceId: 'L-B1-1',
    faultCode,
    priority: 'emergency',
    trade: 'engineering',
    idempotencyKey: key,
    occurredAt: at,
    evidence: { rule: 'lift.entrapment', since: at.toISOString(), readings },
  });
  const alert = await t.desk!.raisePatrolAlert({
    deviceId: 'L-B1-1',
    recordId: fault.record.id,
    code: faultCode,
    priority: 'emergency',
    idempotencyKey: `${key}-alert`,
  });
  return { record: fault.record, alert };
}

/** Signs a browser context in through the real form. */
export async function browserSignIn(
  page: import('playwright-core').Page,
  login: string,
  password: string,
  next = '/',
) {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.click('main button[type=submit]');
  await page.waitForURL((u) => u.pathname === next.split('?')[0]);
}

/** Replaces the browser's Notification with one that records what was shown (read __notes). */
export const RECORD_NOTIFICATIONS = `
  window.__notes = [];
  window.Notification = class {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    constructor(title) { window.__notes.push(title); }
  };
`;

/** A real 1×1 PNG (it decodes in a browser). */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** A multipart/form-data body with fields first, then one file. */
export function multipartBody(
  fields: Record<string, string>,
  file?: { name: string; type: string; data: Buffer; field?: string },
) {
  const boundary = `----fm${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="${file.field ?? 'photo'}"; filename="${file.name}"\r\ncontent-type: ${file.type}\r\n\r\n`,
      ),
      file.data,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The estate on wall time: what most browser tests start from. */
export async function estateOnWallTime(t: TestApi): Promise<void> {
  wallClock(t);
  await seedEstate(t);
}

/**
 * The console served on loopback with a browser, for one describe block: `prepare` fills the app
 * before it listens; the fields are set once the block's beforeAll has run, and closed after it.
 */
export function consoleInBrowser(prepare: (t: TestApi) => Promise<void> = estateOnWallTime): {
  t: TestApi;
  browser: Browser;
  base: string;
} {
  const fx = {} as { t: TestApi; browser: Browser; base: string };
  beforeAll(async () => {
    fx.t = await openTestApi();
    await prepare(fx.t);
    fx.base = await listen(fx.t);
    fx.browser = await launchBrowser();
  });
  afterAll(async () => {
    await fx.browser?.close();
    await fx.t?.close();
  });
  return fx;
}
