/**
 * In Debian's chromium: sign in, the start page, an admin's invitation link, choosing a password on
 * a phone, switching language, signing out; axe finds no serious violations on these pages.
 */
import { describe, expect, it } from 'vitest';
import { axeSerious, desktopContext, phoneContext } from '../support/browser.ts';
import { ADMIN, addPerson, consoleInBrowser, wallClock } from './support.ts';

describe('console sign-in in a browser', () => {
  const c = consoleInBrowser(async (t) => {
    wallClock(t);
    await addPerson(t, { id: 'admin-1', roles: ['admin'], password: 'admin password 1' });
    await t.call(ADMIN, 'POST', '/staff', { id: 'eng-2', name: '李工', roles: ['engineer'] });
  });

  it('signs an admin in, shows the people page, and invites an engineer who sets a password on a phone', async () => {
    const desk = await desktopContext(c.browser, c.base);
    const page = await desk.newPage();
    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await axeSerious(page)).toEqual([]);

    await page.fill('#login', 'admin-1');
    await page.fill('#password', 'wrong password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('错误');

    await page.fill('#password', 'admin password 1');
    await page.click('main button[type=submit]');
    await page.waitForURL(`${c.base}/`);
    expect(await page.textContent('h1')).toContain('Name admin-1');
    expect(await axeSerious(page)).toEqual([]);

    await page.click('a[href="/admin/people"]');
    await page.waitForSelector('tr[data-staff="eng-2"]');
    expect(await axeSerious(page)).toEqual([]);
    await page.click('tr[data-staff="eng-2"] button:first-child');
    const link = (await page.locator('#invite-url').textContent())!;
    expect(link).toMatch(new RegExp(`^${c.base}/invite/[\\w-]{43}$`));

    const phone = await phoneContext(c.browser, c.base);
    const p2 = await phone.newPage();
    await p2.goto(link);
    expect(await p2.textContent('main')).toContain('李工');
    expect(await axeSerious(p2)).toEqual([]);
    await p2.fill('#password', 'my own password');
    await p2.fill('#again', 'my own password');
    await p2.click('main button[type=submit]');
    await p2.waitForURL(`${c.base}/m`);
    expect(await p2.textContent('.who')).toBe('李工');

    await p2.click('a.lang');
    await p2.waitForURL(`${c.base}/m`);
    expect(await p2.textContent('h1')).toContain('My slips');
    await p2.click('button:has-text("Sign out")');
    await p2.waitForURL(/\/sign-in\?out=1$/);
    expect(await p2.textContent('[role=status]')).toBe('You are signed out.');
    await p2.goto('/');
    expect(new URL(p2.url()).pathname).toBe('/sign-in');

    await page.reload();
    await page.waitForSelector('tr[data-staff="eng-2"]');
    expect(await page.textContent('tr[data-staff="eng-2"]')).toContain('可登录');
    await desk.close();
    await phone.close();
  }, 60_000);
});
