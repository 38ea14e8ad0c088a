/** The plan calendar page: in the menu of the desk and the engineers, served with its script, fed by the API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from '../api/support.ts';
import { asSession, openTestApi, seedEstate, signIn } from './support.ts';

describe('console: maintenance calendar', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await openTestApi();
    await seedEstate(t);
    await t.desk!.addPlan({
      site: 'estate-1',
      scope: 'kind',
      template: 'lift-half-monthly',
      startsOn: '2025-03-10',
    });
  });
  afterAll(async () => t?.close());

  it('lists the month’s jobs for a signed-in engineer, and links the page from the menu', async () => {
    const eng = asSession(t, await signIn(t, 'eng-1', 'pw-eng-1-secret'));
    const page = await eng('GET', '/manage/plans?site=estate-1&month=2025-03');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('维保日历');
    expect(page.body).toMatch(/src="\/assets\/plans\.js\?v=/);
    expect(page.body).toContain('href="/manage/plans"');
    const cal = await eng('GET', '/plan-calendar?site=estate-1&month=2025-03');
    expect(
      cal.json().items.map((c: { dueDate: string; deviceId: string }) => [c.dueDate, c.deviceId]),
    ).toEqual([
      ['2025-03-10', 'L-B1-1'],
      ['2025-03-25', 'L-B1-1'],
    ]);
    const guard = asSession(t, await signIn(t, 'guard-1', 'pw-guard-1-secret'));
    expect((await guard('GET', '/')).body).not.toContain('href="/manage/plans"');
    expect((await guard('GET', '/manage/plans')).statusCode).toBe(403);
  });
});
