/**
 * A person's page (`/manage/people/:id`) over inject(): what is set now, a plain form post handed to
 * the API's PATCH /staff/:id, and the API's refusals (site scope, schema, CSRF, origin, roles) shown
 * next to the form in the person's language, with nothing changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchOf, readForm, refusal } from '../../src/api/console/routes/person-pages.ts';
import type { TestApi } from '../api/support.ts';
import { ADMIN, addPerson, openTestApi, type SignedIn, seedEstate, signIn } from './support.ts';

type Fields = Record<string, string | string[]>;

function encode(fields: Fields): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) q.append(k, x);
  return q.toString();
}

describe('a person’s page', () => {
  let t: TestApi;
  let sup: SignedIn;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await openTestApi();
    await seedEstate(t);
    expect((await t.call(ADMIN, 'POST', '/sites', { id: 'estate-2', name: '二号小区' })).statusCode).toBe(
      201,
    );
    await addPerson(t, { id: 'adm-1', roles: ['admin'] });
    sup = await signIn(t, 'sup-1', 'pw-sup-1-secret');
    admin = await signIn(t, 'adm-1', 'pw-adm-1-secret');
  });
  afterAll(async () => t?.close());

  const get = (s: SignedIn, url: string, cookie = '') =>
    t.app.inject({ url, headers: { cookie: `${s.cookie}${cookie}` } });
  const post = (s: SignedIn, id: string, fields: Fields, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/manage/people/${id}`,
      headers: {
        cookie: s.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://localhost:80',
        ...headers,
      },
      payload: encode({ _csrf: s.csrf, back: '/manage/duty?site=estate-1', ...fields }),
    });
  const staffRow = async (id: string) =>
    (await t.call(ADMIN, 'GET', '/staff')).json().items.find((s: { id: string }) => s.id === id);

  it('shows a person’s fields as set now, and offers a supervisor only their own sites', async () => {
    const page = await get(sup, '/manage/people/eng-1?back=%2Fmanage%2Fduty%3Fsite%3Destate-1');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<dd data-field="phone">139 0000 0002</dd>');
    expect(page.body).toContain('<dd data-field="trades">工程</dd>');
    expect(page.body).toContain('<dd data-field="sites">一号小区</dd>');
    expect(page.body).toContain('<dd data-field="quietHours">无</dd>');
    expect(page.body).toContain('<form method="post" action="/manage/people/eng-1"');
    expect(page.body).toMatch(/name="trades" value="engineering" checked/);
    expect(page.body).toMatch(/name="sites" value="estate-1" checked/);
    expect(page.body).not.toContain('value="estate-2"');
    expect(page.body).toContain('href="/manage/duty?site=estate-1"');
    // An admin of every site is offered every site.
    expect((await get(admin, '/manage/people/eng-1')).body).toMatch(/name="sites" value="estate-2"/);
  });

  it('saves trades, contact, channels and quiet hours through the API, then shows them', async () => {
    const res = await post(sup, 'eng-1', {
      trades: ['engineering', 'security'],
      sites: 'estate-1',
      phone: '139 0000 0002',
      email: 'eng1@example.com',
      notifyVia: ['sms', 'email'],
      quietFrom: '22:00',
      quietTo: '07:00',
    });
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe('/manage/people/eng-1?saved=1&back=%2Fmanage%2Fduty%3Fsite%3Destate-1');
    expect(await staffRow('eng-1')).toMatchObject({
      trades: ['engineering', 'security'],
      sites: ['estate-1'],
      email: 'eng1@example.com',
      notifyVia: ['sms', 'email'],
      quietHours: '22:00-07:00',
    });
    const page = await get(sup, res.headers.location as string);
    expect(page.body).toContain('<p class="notice" role="status" id="edit-saved">已保存。</p>');
    expect(page.body).toContain('<dd data-field="quietHours">22:00-07:00</dd>');
    expect(page.body).toContain('<dd data-field="notifyVia">短信, 邮件</dd>');
  });

  it('shows the API’s refusal of a site the supervisor does not have, and changes nothing', async () => {
    const before = await staffRow('eng-1');
    const res = await post(sup, 'eng-1', {
      trades: 'engineering',
      sites: ['estate-1', 'estate-2'],
      quietFrom: '',
      quietTo: '',
    });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain(
      '<p class="error" role="alert" id="edit-error">被拒绝：你负责的项目中没有此人，或给了不属于你的项目。</p>',
    );
    // The form comes back as sent, so nothing typed is lost.
    expect(res.body).toMatch(/name="trades" value="security">/);
    expect(await staffRow('eng-1')).toEqual(before);
    // An admin may.
    const ok = await post(admin, 'eng-1', { trades: 'engineering', sites: ['estate-1', 'estate-2'] });
    expect(ok.statusCode, ok.body).toBe(303);
    expect((await staffRow('eng-1')).sites).toEqual(['estate-1', 'estate-2']);
    await t.call(ADMIN, 'PATCH', '/staff/eng-1', { sites: ['estate-1'] });
  });

  it('marks the field the API refuses, in English for an English page', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/manage/people/guard-1',
      headers: {
        cookie: `${sup.cookie}; fm_lang=en`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: encode({ _csrf: sup.csrf, sites: 'estate-1', quietFrom: '22:00', quietTo: '' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Quiet hours: give both times as HH:MM, or neither.');
    expect(res.body).toMatch(
      /name="quietFrom" value="22:00"[^>]*aria-invalid="true" aria-describedby="edit-error"/,
    );
    expect((await staffRow('guard-1')).quietHours).toBeNull();
  });

  it('refuses a forged or foreign form post and a person who may not edit staff', async () => {
    const before = await staffRow('guard-1');
    const forged = await post(sup, 'guard-1', { _csrf: 'x', sites: 'estate-1', notifyVia: 'sms' });
    expect(forged.statusCode).toBe(403);
    expect(forged.body).toContain('表单已过期，请刷新后重试。');
    const foreign = await post(sup, 'guard-1', { sites: 'estate-1' }, { origin: 'https://evil.example' });
    expect(foreign.statusCode).toBe(403);
    expect(await staffRow('guard-1')).toEqual(before);
    const eng = await signIn(t, 'eng-1', 'pw-eng-1-secret');
    expect((await get(eng, '/manage/people/guard-1')).statusCode).toBe(403);
    expect((await post(eng, 'guard-1', { sites: 'estate-1' })).statusCode).toBe(403);
    expect((await get(sup, '/manage/people/nobody')).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/manage/people/guard-1' })).statusCode).toBe(303);
  });

  it('reads the form into the API’s body: empty clears, one time alone is left to the API', () => {
    const f = readForm({ trades: 'security', phone: ' ', email: '', quietFrom: '22:00', quietTo: '' });
    expect(patchOf(f)).toEqual({
      trades: ['security'],
      sites: [],
      phone: null,
      email: null,
      notifyVia: [],
      quietHours: '22:00-',
    });
    expect(refusal('en', 403, { code: 'forbidden', message: 'x' }).message).toMatch(/^Refused: your role/);
    expect(refusal('en', 409, { code: 'odd', message: 'odd thing' }).message).toBe('Refused: odd thing');
    expect(refusal('en', 400, { code: 'invalid-input', field: 'body.sites.1' })).toEqual({
      message: 'Sites: choose from the list.',
      field: 'sites',
    });
  });
});
