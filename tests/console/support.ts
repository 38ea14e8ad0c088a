/** The console over a real store: staff with passwords, and sign-ins through the real form. */
import { maskCsrf } from '../../src/console/csrf.ts';
import { ADMIN, openTestApi, type TestApi } from '../api/support.ts';

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
