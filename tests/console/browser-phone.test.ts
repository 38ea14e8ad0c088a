/**
 * The phone pages in chromium at phone size: an engineer signs in by phone number, sees the slip
 * the desk dispatched and moves it to "work done" with big buttons; a guard takes a patrol alert
 * and resolves it; the first load stays under 100 KB compressed and the pages are installable.
 */
import { describe, expect, it } from 'vitest';
import { axeSerious, type Page, phoneContext } from '../support/browser.ts';
import { ADMIN, browserSignIn, consoleInBrowser, raiseEntrapment, signIn, TINY_PNG } from './support.ts';

/** Bytes on the wire (compressed bodies and headers) of everything a page load fetched. */
async function firstLoadBytes(page: Page, path: string): Promise<{ bytes: number; urls: string[] }> {
  const responses: import('playwright-core').Response[] = [];
  page.on('response', (r) => {
    if (!r.url().includes('/stream')) responses.push(r);
  });
  await page.goto(path);
  // The page's data is in when the list is drawn (networkidle never comes: the stream stays open).
  await page.waitForSelector('[aria-busy="false"]');
  let bytes = 0;
  for (const r of responses) {
    // The favicon's request never reports its sizes to playwright; its length header does.
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2000));
    const s = await Promise.race([r.request().sizes(), timeout]);
    bytes += s
      ? s.responseBodySize + s.responseHeadersSize
      : Number(r.headers()['content-length'] ?? 0) + 500;
  }
  return { bytes, urls: responses.map((r) => new URL(r.url()).pathname) };
}

describe('phone pages in a browser', () => {
  const c = consoleInBrowser();

  it('loads the slip list in under 100 KB compressed, installable from the home screen', async () => {
    const { cookie } = await signIn(c.t, 'eng-1', 'pw-eng-1-secret');
    const ctx = await phoneContext(c.browser, c.base);
    await ctx.addCookies([{ name: 'fm_session', value: cookie.split('=')[1]!, url: c.base }]);
    const page = await ctx.newPage();
    const { bytes, urls } = await firstLoadBytes(page, '/m');
    expect(urls).toContain('/assets/slips.js');
    expect(bytes).toBeLessThan(100 * 1024);
    const manifest = await page.evaluate(async () => (await fetch('/m/manifest.webmanifest')).json());
    expect(manifest).toMatchObject({
      start_url: '/m?source=home-screen',
      display: 'standalone',
      scope: '/m',
    });
    expect(await page.evaluate("document.querySelector('link[rel=manifest]').href")).toBe(
      `${c.base}/m/manifest.webmanifest`,
    );
    expect(await page.evaluate('navigator.serviceWorker.ready.then((r) => r.scope)')).toBe(`${c.base}/m`);
    await ctx.close();
  }, 60_000);

  it('lets the engineer move a dispatched slip to work done with big buttons', async () => {
    const { record } = await raiseEntrapment(c.t, 'p-1');
    const dispatched = await c.t.call(ADMIN, 'POST', `/records/${record.id}/actions/dispatch`, {});
    expect(dispatched.json().assigneeId).toBe('eng-1');
    // The SMS the dispatch sent them, as the outbox keeps it (no sender runs here).
    await c.t.records.db.query(
      `INSERT INTO notify_outbox (key, queue, channel, target, staff_id, site_id, subject, subject_id, event,
         emergency, message, state, attempts, created_at, next_at, sent_at)
       VALUES ('p-1/dispatch/eng-1', 'sms:eng-1', 'sms', '13900000002', 'eng-1', $1, 'record', $2, 'dispatch',
         true, '{"title": "新派单 #1", "text": "新派单"}', 'sent', 1, now(), now(), now())`,
      [record.site, record.id],
    );
    const ctx = await phoneContext(c.browser, c.base);
    const page = await ctx.newPage();
    await browserSignIn(page, '13900000002', 'pw-eng-1-secret', '/m');
    const slip = page.locator(`li[data-record="${record.id}"]`);
    await slip.waitFor();
    // What was sent to them, loaded when they open it.
    await page.click('#my-notify summary');
    await expect.poll(() => page.textContent('#my-notify-list')).toMatch(/sms · 新派单 #1 · sent/);
    expect(
      await slip.locator('button').evaluateAll((b) => b.map((x) => x.getAttribute('data-action'))),
    ).toEqual(['acknowledge', 'arrive']);
    expect(await axeSerious(page)).toEqual([]);

    await slip.locator('button[data-action="acknowledge"]').click();
    await expect.poll(() => slip.locator('.badge').nth(1).textContent()).toBe('签单');
    await slip.locator('button[data-action="arrive"]').click();
    await expect.poll(() => slip.locator('.badge').nth(1).textContent()).toBe('到场');
    await slip.locator('button[data-action="plan"]').click();
    await page.waitForURL(`${c.base}/m/records/${record.id}?act=plan`);
    const plan = page.locator('form[data-action="plan"]');
    await plan.waitFor();
    await plan.locator('[name=durationMin]').fill('45');
    await plan.locator('[name=impact]').fill('电梯停用 45 分钟');
    await plan.locator('[name=residentAgreed]').check();
    expect(await axeSerious(page)).toEqual([]);
    await plan.locator('button[type=submit]').click();
    await expect.poll(() => page.textContent('#rec-state')).toBe('方案确认');
    // A photo before the work, from the phone's camera (here a file), shown on the slip.
    await page.setInputFiles('#photo-file', { name: 'before.png', mimeType: 'image/png', buffer: TINY_PNG });
    await page.selectOption('#photo-label', 'before');
    await page.click('#photo-form button[type=submit]');
    await page.locator('#rec-photos img').waitFor();
    expect(
      await page
        .locator('#rec-photos img')
        .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBe(1);
    await page.click('#rec-actions button[data-action="start"]');
    await expect.poll(() => page.textContent('#rec-state')).toBe('处理中');
    await page.click('#rec-actions button[data-action="complete"]');
    const done = page.locator('form[data-action="complete"]');
    await done.locator('[name=workMinutes]').fill('40');
    await done.locator('[name=materials]').fill('门刀滚轮, 2, 个');
    await done.locator('[name=feeCents]').fill('0');
    await done.locator('button[type=submit]').click();
    await expect.poll(() => page.textContent('#rec-state')).toBe('待验收');
    const detail = (await c.t.call(ADMIN, 'GET', `/records/${record.id}`)).json();
    expect(detail).toMatchObject({
      state: 'awaiting_acceptance',
      workMinutes: 40,
      materials: [{ name: '门刀滚轮', quantity: 2, unit: '个' }],
    });
    expect(detail.plan).toMatchObject({ durationMin: 45, residentAgreed: true });
    expect(
      detail.history.some((h: { note: string | null }) => h.note?.includes('(before): before.png')),
    ).toBe(true);
    await ctx.close();
  }, 90_000);

  it('lets a guard take a patrol alert to resolved, with a note', async () => {
    const { alert } = await raiseEntrapment(c.t, 'p-2', 'alarm_button');
    const ctx = await phoneContext(c.browser, c.base);
    const page = await ctx.newPage();
    await browserSignIn(page, 'guard-1', 'pw-guard-1-secret', '/m/alerts');
    const card = page.locator(`li[data-alert="${alert.id}"]`);
    await card.waitFor();
    expect(await card.getAttribute('class')).toContain('alarm');
    expect(await axeSerious(page)).toEqual([]);
    await card.locator('button[data-action="acknowledge"]').click();
    await expect.poll(() => card.locator('.badge').nth(1).textContent()).toBe('已接警');
    await card.locator('button[data-action="arrive"]').click();
    await expect.poll(() => card.locator('.badge').nth(1).textContent()).toBe('已到场');
    await card.locator('button[data-action="resolve"]').click();
    await card.locator('textarea').fill('轿厢内乘客已安全撤出');
    await card.locator('form button[type=submit]').click();
    await card.waitFor({ state: 'detached' });
    const after = (await c.t.call(ADMIN, 'GET', `/alerts/${alert.id}`)).json();
    expect(after).toMatchObject({ state: 'resolved', guardId: 'guard-1', note: '轿厢内乘客已安全撤出' });
    await ctx.close();
  }, 60_000);
});
