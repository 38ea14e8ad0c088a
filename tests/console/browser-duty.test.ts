/**
 * In chromium: a manager's duty table (who is on duty now, adding and ending a shift), the site's
 * deadlines (a change saved as an override), maintenance windows (planned, called off); a
 * supervisor may not change deadlines; the devices page shows a lift's open fault and its window.
 */
import { describe, expect, it } from 'vitest';
import { axeSerious, desktopContext } from '../support/browser.ts';
import { ADMIN, browserSignIn, consoleInBrowser, raiseEntrapment } from './support.ts';

describe('duty, deadlines, maintenance and devices in a browser', () => {
  const c = consoleInBrowser();

  it('lets a manager run the duty table, the deadlines and maintenance windows', async () => {
    const ctx = await desktopContext(c.browser, c.base);
    const page = await ctx.newPage();
    await browserSignIn(page, 'mgr-1', 'pw-mgr-1-secret', '/manage');
    await page.goto('/manage/duty?site=estate-1');
    await expect.poll(() => page.textContent('#now li[data-trade="engineering"]')).toContain('Name eng-1');
    expect(await page.textContent('#now li[data-trade="engineering"]')).toContain('排班');
    await page.locator('#shifts tbody tr').first().waitFor();
    expect(await axeSerious(page)).toEqual([]);

    await page.selectOption('#add-shift [name=staffId]', 'guard-1');
    await page.selectOption('#add-shift [name=trade]', 'security');
    await page.fill('#add-shift [name=starts]', '00:00');
    await page.fill('#add-shift [name=ends]', '00:00');
    await page.click('#add-shift button[type=submit]');
    await expect.poll(() => page.locator('#shifts tbody tr').count()).toBe(2);
    await expect.poll(() => page.textContent('#now li[data-trade="security"]')).toContain('Name guard-1');
    const shifts = (await c.t.call(ADMIN, 'GET', '/duty-shifts?site=estate-1&staffId=guard-1')).json().items;
    await page.click(`tr[data-shift="${shifts[0].id}"] button`);
    await expect.poll(() => page.textContent(`tr[data-shift="${shifts[0].id}"]`)).toContain('已结束');

    // A new engineer for this site, added on the page and then taken off the duty table.
    await page.locator('#people tr[data-staff="eng-1"]').waitFor();
    await page.fill('#add-person [name=id]', 'eng-new');
    await page.fill('#add-person [name=name]', 'Engineer New');
    await page.fill('#add-person [name=phone]', '138 0000 0099');
    await page.check('#add-person [name=trades][value="engineering"]');
    await page.click('#add-person button[type=submit]');
    const added = page.locator('#people tr[data-staff="eng-new"]');
    await added.waitFor();
    expect(await added.textContent()).toContain('Engineer New (eng-new)');
    expect((await c.t.call(ADMIN, 'GET', '/staff?site=estate-1')).json().items).toContainEqual(
      expect.objectContaining({
        id: 'eng-new',
        roles: ['engineer'],
        trades: ['engineering'],
        sites: ['estate-1'],
      }),
    );
    await added.locator('button').click();
    await expect.poll(() => added.getAttribute('data-active')).toBe('false');
    expect(await axeSerious(page)).toEqual([]);

    const dispatchRepair = page.locator('#limits input[data-step="dispatch"][data-type="repair"]');
    expect(await dispatchRepair.inputValue()).toBe('2');
    await dispatchRepair.fill('4');
    await page.click('#sla button[type=submit]');
    await expect
      .poll(
        async () => (await c.t.call(ADMIN, 'GET', '/sites/estate-1/sla')).json().effective.repair.dispatch,
      )
      .toBe(240_000);
    expect((await c.t.call(ADMIN, 'GET', '/sites/estate-1/sla')).json().effective.complaint.dispatch).toBe(
      120_000,
    );

    const local = (ms: number) =>
      new Date(Date.now() + ms - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.selectOption('#add-window [name=scope]', 'device');
    await page.fill('#add-window [name=target]', 'L-B1-1');
    await page.fill('#add-window [name=startsAt]', local(3600_000));
    await page.fill('#add-window [name=endsAt]', local(7200_000));
    await page.fill('#add-window [name=note]', '年检');
    await page.click('#add-window button[type=submit]');
    const win = page.locator('#windows li[data-window]');
    await win.waitFor();
    expect(await win.textContent()).toContain('计划中');
    await ctx.close();
  }, 60_000);

  it('shows a supervisor the deadlines without letting them change them, in the page and the API', async () => {
    const ctx = await desktopContext(c.browser, c.base);
    const page = await ctx.newPage();
    await browserSignIn(page, 'sup-1', 'pw-sup-1-secret', '/desk');
    await page.goto('/manage/duty?site=estate-1');
    await page.locator('#limits input').first().waitFor();
    expect(await page.locator('#limits input').first().getAttribute('readonly')).not.toBeNull();
    expect(await page.locator('#sla button[type=submit]').count()).toBe(0);
    const status = await page.evaluate(
      `fetch('/sites/estate-1/sla', { method: 'PUT', headers: { 'content-type': 'application/json', 'x-csrf-token': document.querySelector('meta[name="csrf-token"]').content }, body: '{"overrides":[]}' }).then((r) => r.status)`,
    );
    expect(status).toBe(403);
    await ctx.close();
  }, 60_000);

  it('lists the site’s devices by building with open faults and maintenance', async () => {
    const { record } = await raiseEntrapment(c.t, 'es-1');
    const ctx = await desktopContext(c.browser, c.base);
    const page = await ctx.newPage();
    await browserSignIn(page, 'desk-1', 'pw-desk-1-secret', '/desk');
    await page.goto('/estate?site=estate-1');
    const row = page.locator('tr[data-device="L-B1-1"]');
    await row.waitFor();
    expect(await row.getAttribute('class')).toContain('alarm');
    expect(await row.locator(`a[href="/desk/records/${record.id}"]`).count()).toBe(1);
    expect(await row.textContent()).toContain('计划中');
    expect(await page.textContent('#history-note')).toContain('未保存');
    expect(await axeSerious(page)).toEqual([]);
    await ctx.close();
  }, 60_000);
});
