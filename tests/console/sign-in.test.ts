/**
 * Staff sign-in to the console: hashed passwords, session cookies, CSRF on every change, expiry,
 * throttled and counted failures, invitations, and the API's own roles applied to sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, verifyPassword } from '../../src/api/console/passwords.ts';
import { cookieOptions, safeNext } from '../../src/api/console/web.ts';
import { replicaOf, type TestApi } from '../api/support.ts';
import { ADMIN, addPerson, asSession, cookiesOf, openTestApi, signIn, signInForm } from './support.ts';

describe('console sign-in', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await openTestApi();
    await t.call(ADMIN, 'POST', '/sites', { id: 's1', name: 'Site 1' });
    await addPerson(t, { id: 'desk-1', roles: ['front_desk'], phone: '138 0000 0001' });
    await addPerson(t, { id: 'eng-1', roles: ['engineer'], trades: ['engineering'] });
    await addPerson(t, { id: 'sup-1', roles: ['supervisor'] });
  });
  afterAll(async () => t?.close());

  it('stores scrypt hashes with their parameters, never the password', async () => {
    const stored = await hashPassword('correct horse', { N: 1024, r: 8, p: 1 });
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct hors', stored)).toBe(false);
    expect(await verifyPassword('correct horse', 'scrypt$99999999$8$1$AA$AA')).toBe(false);
    expect(needsRehash(stored)).toBe(true);
    const [row] = await t.records.db.query<{ h: string }>(
      "SELECT password_hash AS h FROM console_logins WHERE staff_id = 'desk-1'",
    );
    expect(row!.h).toMatch(/^scrypt\$65536\$8\$1\$/);
    expect(row!.h).not.toContain('pw-desk-1-secret');
  });

  it('sets an HttpOnly, SameSite=Lax session cookie that expires; Secure over TLS', async () => {
    const { res } = await signInForm(t, 'desk-1', 'pw-desk-1-secret');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/desk');
    const set = ([] as string[])
      .concat(res.headers['set-cookie'] as string[])
      .find((c) => c.startsWith('fm_session='))!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Lax/);
    expect(set).toMatch(/Path=\//);
    expect(set).toMatch(/Expires=/);
    expect(set).not.toMatch(/Secure/);
    // biome-ignore lint/suspicious/noExplicitAny: only the protocol is read
    expect(cookieOptions({ protocol: 'https' } as any).secure).toBe(true);
  });

  it('signs in by phone number, digits compared', async () => {
    const { res } = await signInForm(t, '13800000001', 'pw-desk-1-secret');
    expect(res.statusCode).toBe(303);
  });

  it('refuses wrong passwords and unknown names alike, and counts them', async () => {
    const wrong = await signInForm(t, 'desk-1', 'nope-nope-nope');
    const unknown = await signInForm(t, 'nobody', 'nope-nope-nope');
    expect(wrong.res.statusCode).toBe(401);
    expect(unknown.res.statusCode).toBe(401);
    expect(wrong.cookies.fm_session).toBeUndefined();
    const message = (body: string) => /role="alert">([^<]+)</.exec(body)?.[1];
    expect(message(wrong.res.body)).toBe(message(unknown.res.body));
    const logins = (await t.call(ADMIN, 'GET', '/logins')).json().items;
    expect(logins.find((l: { staffId: string }) => l.staffId === 'desk-1').failedCount).toBe(1);
    const metrics = (await t.call(ADMIN, 'GET', '/metrics')).body;
    expect(metrics).toMatch(/^fm_console_sign_ins_total\{outcome="wrong-password"\} 1$/m);
    expect(metrics).toMatch(/^fm_console_sign_ins_total\{outcome="unknown-login"\} 1$/m);
  });

  it('slows down repeated failures for a login, even with the right password, then lets it through', async () => {
    await addPerson(t, { id: 'victim', roles: ['front_desk'] });
    for (let i = 0; i < 5; i++)
      expect((await signInForm(t, 'victim', `guess-${i}-xxxx`)).res.statusCode).toBe(401);
    const held = await signInForm(t, 'victim', 'pw-victim-secret');
    expect(held.res.statusCode).toBe(429);
    expect(Number(held.res.headers['retry-after'])).toBeGreaterThan(0);
    expect(held.cookies.fm_session).toBeUndefined();
    t.clock.t += 2_000;
    expect((await signInForm(t, 'victim', 'pw-victim-secret')).res.statusCode).toBe(303);
    const metrics = (await t.call(ADMIN, 'GET', '/metrics')).body;
    expect(metrics).toMatch(/^fm_console_sign_ins_total\{outcome="throttled"\} 1$/m);
  });

  it('refuses a sign-in form without its CSRF token or from another origin', async () => {
    const bare = await t.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'login=desk-1&password=pw-desk-1-secret',
    });
    expect(bare.statusCode).toBe(403);
    const foreign = await signInForm(t, 'desk-1', 'pw-desk-1-secret', { origin: 'https://evil.example' });
    expect(foreign.res.statusCode).toBe(403);
  });

  it('accepts the session on the JSON API, with the CSRF token on every change', async () => {
    const s = await signIn(t, 'desk-1', 'pw-desk-1-secret');
    const call = asSession(t, s);
    expect((await call('GET', '/me')).json()).toMatchObject({ userId: 'desk-1', roles: ['front_desk'] });
    const body = { site: 's1', source: 'call', type: 'inquiry', trade: 'customer_service', content: 'x' };
    const missing = await call('POST', '/records', body, { csrf: null });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('csrf-failed');
    const forged = await call('POST', '/records', body, { csrf: 'A'.repeat(86) });
    expect(forged.json().error.code).toBe('csrf-failed');
    expect((await call('POST', '/records', body)).statusCode).toBe(201);
    // A bearer token needs no CSRF token: browsers never send one by themselves.
    expect((await t.call(ADMIN, 'POST', '/records', body)).statusCode).toBe(201);
  });

  it('applies the API roles to sessions: the same 403s', async () => {
    const eng = asSession(t, await signIn(t, 'eng-1', 'pw-eng-1-secret'));
    const body = { site: 's1', source: 'call', type: 'inquiry', trade: 'customer_service', content: 'x' };
    expect((await eng('POST', '/records', body)).statusCode).toBe(403);
    expect((await eng('GET', '/logins')).statusCode).toBe(403);
    expect((await eng('GET', '/records?site=s1')).statusCode).toBe(200);
    const page = await t.app.inject({
      url: '/admin/people',
      headers: { cookie: (await signIn(t, 'eng-1', 'pw-eng-1-secret')).cookie },
    });
    expect(page.statusCode).toBe(403);
  });

  it('ends sessions on sign-out, when idle, at the absolute expiry, and when deactivated', async () => {
    const s = await signIn(t, 'desk-1', 'pw-desk-1-secret');
    const call = asSession(t, s);
    const refused = await t.app.inject({ method: 'POST', url: '/sign-out', headers: { cookie: s.cookie } });
    expect(refused.statusCode).toBe(403);
    const out = await t.app.inject({
      method: 'POST',
      url: '/sign-out',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(s.csrf)}`,
    });
    expect(out.statusCode).toBe(303);
    expect((await call('GET', '/me')).statusCode).toBe(401);
    const page = await t.app.inject({ url: '/admin/people', headers: { cookie: s.cookie } });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/sign-in?next=%2Fadmin%2Fpeople&ended=1');

    const idle = asSession(t, await signIn(t, 'desk-1', 'pw-desk-1-secret'));
    t.clock.t += 3 * 3600_000;
    expect((await idle('GET', '/me')).statusCode).toBe(200); // idle time restarts
    t.clock.t += 3 * 3600_000;
    expect((await idle('GET', '/me')).statusCode).toBe(200);
    t.clock.t += 4 * 3600_000 + 1000;
    expect((await idle('GET', '/me')).statusCode).toBe(401);

    const busy = asSession(t, await signIn(t, 'desk-1', 'pw-desk-1-secret'));
    for (let h = 0; h < 12; h += 2) {
      expect((await busy('GET', '/me')).statusCode).toBe(200);
      t.clock.t += 2 * 3600_000;
    }
    expect((await busy('GET', '/me')).statusCode).toBe(401);

    const gone = asSession(t, await signIn(t, 'sup-1', 'pw-sup-1-secret'));
    expect((await t.call(ADMIN, 'PATCH', '/staff/sup-1', { active: false })).statusCode).toBe(200);
    t.clock.t += 5_100; // past the 5 s verified-session cache, on the app's clock
    expect((await gone('GET', '/me')).statusCode).toBe(401);
    expect((await signInForm(t, 'sup-1', 'pw-sup-1-secret')).res.statusCode).toBe(401);
  });

  it('never grants a role the admin did not: editing the staff row can only take roles away', async () => {
    await addPerson(t, { id: 'sup-2', roles: ['supervisor'] });
    const sup = asSession(t, await signIn(t, 'sup-2', 'pw-sup-2-secret'));
    expect((await sup('PATCH', '/staff/sup-2', { roles: ['supervisor', 'admin'] })).statusCode).toBe(200);
    const again = asSession(t, await signIn(t, 'sup-2', 'pw-sup-2-secret'));
    expect((await again('GET', '/me')).json().roles).toEqual(['supervisor']);
    expect((await again('GET', '/logins')).statusCode).toBe(403);
    expect((await t.call(ADMIN, 'PATCH', '/staff/sup-2', { roles: ['front_desk'] })).statusCode).toBe(200);
    // No granted role left: the session already held ends, and signing in is refused.
    t.clock.t += 5_100; // past the 5 s verified-session cache, on the app's clock
    expect((await again('GET', '/me')).statusCode).toBe(401);
    const demoted = await signInForm(t, 'sup-2', 'pw-sup-2-secret');
    expect(demoted.res.statusCode).toBe(403);
    expect(demoted.cookies.fm_session).toBeUndefined();
  });

  it('lets a person choose a password through a one-time invitation link', async () => {
    await t.call(ADMIN, 'POST', '/staff', { id: 'new-eng', name: 'New', roles: ['engineer'] });
    const inv = await t.call(ADMIN, 'POST', '/logins/new-eng/invitations', {});
    expect(inv.statusCode).toBe(201);
    const path = inv.json().path as string;
    const form = await t.app.inject({ url: path });
    expect(form.statusCode).toBe(200);
    const pre = cookiesOf(form.headers).fm_pre!;
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const post = (password: string, again = password) =>
      t.app.inject({
        method: 'POST',
        url: path,
        headers: { cookie: `fm_pre=${pre}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: token, password, again }).toString(),
      });
    expect((await post('short')).statusCode).toBe(400);
    expect((await post('long enough 1', 'long enough 2')).statusCode).toBe(400);
    const ok = await post('long enough 1');
    expect(ok.statusCode).toBe(303);
    expect(cookiesOf(ok.headers).fm_session).toBeTruthy();
    expect((await post('long enough 1')).statusCode).toBe(404);
    expect((await t.app.inject({ url: path })).statusCode).toBe(404);
    expect((await signInForm(t, 'new-eng', 'long enough 1')).res.statusCode).toBe(303);
  });

  it('never redirects off the server after sign-in', async () => {
    for (const next of ['//evil.example/x', '/\t/evil.example', '/\\evil.example', 'https://evil.example']) {
      const page = await t.app.inject({ url: `/sign-in?next=${encodeURIComponent(next)}` });
      expect(page.body, next).not.toContain('evil.example');
    }
    expect(safeNext('/desk?site=a')).toBe('/desk?site=a');
    expect(safeNext('/\n/evil.example')).toBeUndefined();
  });

  it('throttles a burst of parallel guesses as it throttles one after another', async () => {
    await addPerson(t, { id: 'burst', roles: ['front_desk'] });
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => signInForm(t, 'burst', `parallel-guess-${i}`)),
    );
    const codes = answers.map((a) => a.res.statusCode).sort();
    // Five free failures per login; the rest wait, however many arrive at once.
    expect(codes.filter((c) => c === 401)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(7);
    t.clock.t += 60 * 60_000;
  });

  it('counts the failures of every API process on the same store together', async () => {
    await addPerson(t, { id: 'spread', roles: ['front_desk'] });
    const replica = await replicaOf(t);
    try {
      const other = { ...t, app: replica };
      for (let i = 0; i < 5; i++) {
        const via = i % 2 === 0 ? t : other;
        expect((await signInForm(via, 'spread', `guess-${i}-xxxx`)).res.statusCode).toBe(401);
      }
      expect((await signInForm(other, 'spread', 'pw-spread-secret')).res.statusCode).toBe(429);
      expect((await signInForm(t, 'spread', 'pw-spread-secret')).res.statusCode).toBe(429);
    } finally {
      await replica.close();
      t.clock.t += 60 * 60_000;
    }
  });

  it('throttles a phone number however it is typed', async () => {
    await addPerson(t, { id: 'phoned', roles: ['front_desk'], phone: '139 1234 5678' });
    const typings = ['13912345678', '139 1234 5678', '139-1234-5678', '(139) 12345678', '139 12345678'];
    for (const login of typings)
      expect((await signInForm(t, login, 'wrong password!')).res.statusCode).toBe(401);
    expect((await signInForm(t, '1391234 5678', 'pw-phoned-secret')).res.statusCode).toBe(429);
  });
});
