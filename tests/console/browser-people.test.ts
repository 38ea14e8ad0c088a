/**
 * In chromium: a supervisor opens a person from the duty page's people and changes their trades,
 * notification channels and quiet hours (checked through the API); a site the supervisor does not
 * have, slipped into the form, is refused by the API and the refusal shown beside the form; an
 * admin reaches the same page from the people page; the form works with JavaScript off.
 */
import { describe, expect, it } from 'vitest';
import { axeSerious, desktopContext } from '../support/browser.ts';
import { ADMIN, addPerson, browserSignIn, consoleInBrowser, estateOnWallTime } from './support.ts';

describe('editing a person in a browser', () => {
  const c = consoleInBrowser(async (t) => {
    await estateOnWallTime(t);
    const site = await t.call(ADMIN, 'POST', '/sites', { id: 'estate-2', name: '二号小区' });
    if (site.statusCode !== 201) throw new Error(site.body);
    await addPerson(t, { id: 'adm-1', roles: ['admin'] });
  });
  const person = async (id: string) =>
    (await c.t.call(ADMIN, 'GET', '/staff')).json().items.find((s: { id: string }) => s.id === id);

  it('lets a supervisor change trades, channels and quiet hours, but not give another site', async () => {
    const ctx = await desktopContext(c.browser, c.base);
    const page = await ctx.newPage();
    await browserSignIn(page, 'sup-1', 'pw-sup-1-secret', '/desk');
    await page.goto('/manage/duty?site=estate-1');
    await page.click('#people tr[data-staff="eng-1"] a[href^="/manage/people/eng-1"]');
    await page.waitForURL((u) => u.pathname === '/manage/people/eng-1');
    expect(await page.textContent('#current [data-field="trades"]')).toBe('工程');
    expect(await page.textContent('#current [data-field="quietHours"]')).toBe('无');
    // Only the supervisor's own site is offered.
    expect(await page.locator('#edit-person [name=sites]').count()).toBe(1);
    expect(await axeSerious(page)).toEqual([]);

    await page.check('#edit-person [name=trades][value="security"]');
    await page.check('#edit-person [name=notifyVia][value="sms"]');
    await page.check('#edit-person [name=notifyVia][value="email"]');
    await page.fill('#edit-person [name=email]', 'eng1@example.com');
    await page.fill('#edit-person [name=quietFrom]', '22:30');
    await page.fill('#edit-person [name=quietTo]', '06:30');
    await page.click('#edit-person button[type=submit]');
    await page.locator('#edit-saved').waitFor();
    expect(await page.textContent('#current [data-field="quietHours"]')).toBe('22:30-06:30');
    expect(await person('eng-1')).toMatchObject({
      trades: ['engineering', 'security'],
      notifyVia: ['sms', 'email'],
      email: 'eng1@example.com',
      quietHours: '22:30-06:30',
      sites: ['estate-1'],
    });

    // A site the supervisor does not have, added to the form by hand: the API refuses it.
    await page.evaluate(`{
      const box = document.createElement('input');
      Object.assign(box, { type: 'checkbox', name: 'sites', value: 'estate-2', checked: true });
      box.setAttribute('aria-label', 'estate-2');
      document.querySelector('#edit-person fieldset').append(box);
    }`);
    await page.uncheck('#edit-person [name=notifyVia][value="sms"]');
    await page.click('#edit-person button[type=submit]');
    const error = page.locator('#edit-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('被拒绝：你负责的项目中没有此人，或给了不属于你的项目。');
    expect(await person('eng-1')).toMatchObject({ sites: ['estate-1'], notifyVia: ['sms', 'email'] });
    expect(await axeSerious(page)).toEqual([]);

    await page.click('a[href="/manage/duty?site=estate-1"]');
    await page.locator('#people tr[data-staff="eng-1"]').waitFor();
    await ctx.close();
  }, 90_000);

  it('takes an admin from the people page to the same form, which works without JavaScript', async () => {
    const ctx = await desktopContext(c.browser, c.base, { javaScriptEnabled: false });
    const page = await ctx.newPage();
    await browserSignIn(page, 'adm-1', 'pw-adm-1-secret', '/admin/people');
    await page.goto('/manage/people/guard-1?back=%2Fadmin%2Fpeople');
    await page.check('#edit-person [name=sites][value="estate-2"]');
    await page.check('#edit-person [name=notifyVia][value="sms"]');
    await page.fill('#edit-person [name=quietFrom]', '23:00');
    await page.click('#edit-person button[type=submit]');
    await page.locator('#edit-error').waitFor();
    expect(await page.textContent('#edit-error')).toContain('免打扰时段');
    expect((await person('guard-1')).sites).toEqual(['estate-1']);
    await page.fill('#edit-person [name=quietTo]', '07:00');
    await page.click('#edit-person button[type=submit]');
    await page.locator('#edit-saved').waitFor();
    expect(await person('guard-1')).toMatchObject({
      sites: ['estate-1', 'estate-2'],
      notifyVia: ['sms'],
      quietHours: '23:00-07:00',
    });
    await ctx.close();

    const js = await desktopContext(c.browser, c.base);
    const people = await js.newPage();
    await browserSignIn(people, 'adm-1', 'pw-adm-1-secret', '/admin/people');
    await people.click('#people tr[data-staff="guard-1"] a[href^="/manage/people/guard-1"]');
    await people.waitForURL((u) => u.pathname === '/manage/people/guard-1');
    expect(await people.textContent('#current [data-field="sites"]')).toBe('一号小区, 二号小区');
    expect(await people.locator('a[href="/admin/people"]').count()).toBeGreaterThan(0);
    expect(await axeSerious(people)).toEqual([]);
    await js.close();
  }, 90_000);
});
