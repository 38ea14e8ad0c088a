/**
 * In chromium: an admin prints the site's QR codes; a resident with no account opens a lift's code
 * on a phone, reports being trapped, and the report joins the lift's open record; the status page
 * follows the record's step.
 */
import { describe, expect, it } from 'vitest';
import { axeSerious, desktopContext, phoneContext } from '../support/browser.ts';
import {
  ADMIN,
  addPerson,
  browserSignIn,
  consoleInBrowser,
  estateOnWallTime,
  raiseEntrapment,
} from './support.ts';

describe('residents’ QR reports in a browser', () => {
  const c = consoleInBrowser(async (t) => {
    await estateOnWallTime(t);
    await addPerson(t, { id: 'admin-1', roles: ['admin'] });
  });

  it('prints codes, and a resident’s report at the lift joins its open record', async () => {
    const admin = await desktopContext(c.browser, c.base);
    const page = await admin.newPage();
    await browserSignIn(page, 'admin-1', 'pw-admin-1-secret', '/desk');
    await page.goto('/admin/qr?site=estate-1');
    const figures = page.locator('.qr-sheet figure');
    expect(await figures.count()).toBe(2);
    expect(await axeSerious(page)).toEqual([]);
    const liftFigure = page.locator('figure', { hasText: '1号梯' });
    const url = (await liftFigure.locator('svg').getAttribute('aria-label'))!;
    expect(url).toMatch(new RegExp(`^${c.base}/r/[A-Z2-9]{12}$`));
    await admin.close();

    const { record } = await raiseEntrapment(c.t, 'br-1');
    const phone = await phoneContext(c.browser, c.base);
    const p = await phone.newPage();
    await p.goto(url);
    expect(await p.textContent('main')).toContain('1号楼 1号梯');
    expect(await axeSerious(p)).toEqual([]);
    await p.check('input[value="trapped"]');
    await p.fill('#detail', '轿厢停在两层之间');
    await p.click('main button[type=submit]');
    await p.waitForURL(/\/r\/s\/[\w-]+\?new=merged$/);
    expect(await p.textContent('[role=status]')).toContain('已有人报告此问题');
    const link = (await p.textContent('#status-link'))!;
    expect(await axeSerious(p)).toEqual([]);

    const detail = (await c.t.call(ADMIN, 'GET', `/records/${record.id}`)).json();
    expect(detail.reports.map((r: { content: string }) => r.content).join()).toContain('轿厢停在两层之间');
    await c.t.call(ADMIN, 'POST', `/records/${record.id}/actions/dispatch`, {});
    await p.goto(link);
    expect(await p.textContent('#phase')).toBe('人员已派出。');
    await phone.close();
  }, 60_000);
});
