/**
 * The console keeps time by the app's clock (the `now` the API is built with), never the wall
 * clock: a session's cached check runs out and a cookie's expiry is set on the same clock the
 * session's own expiry is, so a test's fake clock (or a replica's) sees them agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from '../api/support.ts';
import { ADMIN, addPerson, asSession, openTestApi, signIn } from './support.ts';

describe('console clock', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await openTestApi();
    await addPerson(t, { id: 'desk-1', roles: ['front_desk'] });
  });
  afterAll(async () => t?.close());

  it("trusts a checked session for 5 s of the app's clock, then reads the staff row again", async () => {
    const call = asSession(t, await signIn(t, 'desk-1', 'pw-desk-1-secret'));
    expect((await call('GET', '/me')).statusCode).toBe(200);
    expect((await t.call(ADMIN, 'PATCH', '/staff/desk-1', { active: false })).statusCode).toBe(200);
    t.clock.t += 4_000;
    expect((await call('GET', '/me')).statusCode).toBe(200); // still within the cache
    t.clock.t += 1_100;
    expect((await call('GET', '/me')).statusCode).toBe(401);
  });

  it("keeps the language choice a year from the app's clock", async () => {
    const res = await t.app.inject({ url: '/lang/zh-CN?next=/desk' });
    expect(res.statusCode).toBe(303);
    const set = ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('fm_lang='));
    const expires = new Date(t.clock.t + 365 * 86400_000).toUTCString();
    expect(set).toContain(`Expires=${expires}`);
  });
});
