/**
 * The managers' page in chromium: a month's rates with numerators and denominators, the steps'
 * times, breaches per step, a CSV that Excel reads as UTF-8, and the desk refused the managers'
 * figures only where the API refuses them.
 */
import { describe, expect, it } from 'vitest';
import { axeSerious, desktopContext } from '../support/browser.ts';
import { ADMIN, browserSignIn, consoleInBrowser, raiseEntrapment, seedEstate, wallClock } from './support.ts';

describe('managers’ page in a browser', () => {
  let day: string;
  const c = consoleInBrowser(async (t) => {
    // A record worked an hour ago, late for dispatch (the clock is moved by hand), then wall time.
    t.clock.t = Date.now() - 3600_000;
    // The site's local date (Asia/Shanghai): statistics periods are the site's days and months.
    day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(t.clock.t));
    await seedEstate(t);
    const { record } = await raiseEntrapment(t, 'mg-1');
    t.clock.t += 5 * 60_000;
    await t.desk!.tick();
    const act = async (token: string, action: string, body: object = {}) => {
      const res = await t.call(token, 'POST', `/records/${record.id}/actions/${action}`, body);
      if (res.statusCode !== 200) throw new Error(`${action}: ${res.body}`);
    };
    const eng = await t.token(['engineer'], 'eng-1');
    await act(ADMIN, 'dispatch');
    for (const [a, b] of [
      ['acknowledge', {}],
      ['arrive', {}],
      ['plan', { durationMin: 30, residentAgreed: true }],
      ['start', {}],
      ['complete', { workMinutes: 25 }],
    ] as const) {
      t.clock.t += 60_000;
      await act(eng, a, b);
    }
    const desk = await t.token(['front_desk'], 'desk-1');
    await act(desk, 'accept', { acceptedBy: '赵女士' });
    await act(desk, 'visit', { fixed: true, satisfied: true, chargesOk: true });
    wallClock(t);
  });

  it('shows the month’s rates with numerators and denominators, breaches per step, and a UTF-8 CSV', async () => {
    const ctx = await desktopContext(c.browser, c.base);
    const page = await ctx.newPage();
    await browserSignIn(page, 'mgr-1', 'pw-mgr-1-secret', '/manage');
    await page.goto(`/manage?site=estate-1&period=month&date=${day}`);
    const timeliness = page.locator('tr[data-rate="timeliness"]');
    await timeliness.waitFor();
    // One record, its dispatch late: 0 of 1 on time, below the 100% target.
    expect(
      await timeliness.locator('td').evaluateAll((c) => c.slice(0, 3).map((x) => x.textContent)),
    ).toEqual(['0', '1', '0.0%']);
    expect(await timeliness.getAttribute('class')).toContain('alarm');
    expect(await page.locator('tr[data-rate="satisfaction"] td').first().textContent()).toBe('1');
    await page.locator('#breaches li[data-step="dispatch"]').waitFor();
    expect(await page.locator('#trend tbody tr').count()).toBeGreaterThan(2);
    expect(await axeSerious(page)).toEqual([]);

    const href = (await page.getAttribute('#csv', 'href'))!;
    expect(href).toContain('format=csv');
    const bytes = await page.evaluate(
      `fetch(${JSON.stringify(href)}).then((r) => r.arrayBuffer()).then((b) => [...new Uint8Array(b).slice(0, 3)])`,
    );
    expect(bytes).toEqual([0xef, 0xbb, 0xbf]);
    const text = await page.evaluate(`fetch(${JSON.stringify(href)}).then((r) => r.text())`);
    expect(text).toMatch(/^key,指标,分子,分母/);
    expect(text).toMatch(/^timeliness,及时率,0,1,0,/m);
    await ctx.close();
  }, 60_000);

  it('refuses the figures to a guard, in the page and by the server', async () => {
    const ctx = await desktopContext(c.browser, c.base);
    const page = await ctx.newPage();
    await browserSignIn(page, 'guard-1', 'pw-guard-1-secret', '/m/alerts');
    expect((await page.goto('/manage'))?.status()).toBe(403);
    expect(
      await page.evaluate(`fetch('/stats?site=estate-1&period=month&date=${day}').then((r) => r.status)`),
    ).toBe(403);
    await ctx.close();
  }, 60_000);
});
