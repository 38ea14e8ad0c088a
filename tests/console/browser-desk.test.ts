/**
 * The front desk in chromium: a device's entrapment appears in the open queue without reload,
 * rings and stays highlighted until dispatched; the record page shows the evidence and only the
 * actions the API allows; a resident's call about the same lift is offered the open record and
 * joins it; other roles are refused the desk.
 */
import { describe, expect, it } from 'vitest';
import { axeSerious, desktopContext } from '../support/browser.ts';
import { browserSignIn, consoleInBrowser, RECORD_NOTIFICATIONS, raiseEntrapment } from './support.ts';

describe('front desk in a browser', () => {
  const c = consoleInBrowser();

  it('shows an entrapment live, rings, dispatches it from the record page, then merges a call into it', async () => {
    const ctx = await desktopContext(c.browser, c.base);
    await ctx.addInitScript(RECORD_NOTIFICATIONS);
    const page = await ctx.newPage();
    await browserSignIn(page, 'desk-1', 'pw-desk-1-secret', '/desk');
    await page.waitForSelector('#live[data-live="yes"]');
    await page.click('#enable-alerts');
    expect(await page.textContent('#queue tbody')).toContain('没有未结工单');

    const { record, alert } = await raiseEntrapment(c.t, 'b-1');
    // A notification the desk wrote about it, as the outbox holds one (the sender is not running here).
    await c.t.records.db.query(
      `INSERT INTO notify_outbox (key, queue, channel, target, staff_id, site_id, subject, subject_id, event,
         emergency, message, state, attempts, created_at, next_at, last_status, last_answer)
       VALUES ('b-1/emergency/eng-1', 'staff:eng-1', 'sms', '13800000002', 'eng-1', $1, 'record', $2, 'emergency',
         true, '{"title": "紧急派工", "text": "紧急派工"}', 'failed', 2, now(), now(), 503, 'gateway busy')`,
      [record.site, record.id],
    );
    const row = page.locator(`tr[data-record="${record.id}"]`);
    await row.waitFor();
    expect(await row.getAttribute('class')).toContain('alarm');
    expect(await row.locator('.due').textContent()).toMatch(/派工 \d+:\d\d/);
    await page.locator(`li[data-alert="${alert.id}"]`).waitFor();
    expect(await page.isVisible('#alarm-banner')).toBe(true);
    await expect.poll(() => page.evaluate('document.body.dataset.rings')).toBe('2');
    expect(await page.evaluate('window.__notes')).toEqual([`紧急：${record.title}`, `紧急：${alert.title}`]);
    expect(await axeSerious(page)).toEqual([]);

    // Filters narrow the queue in the page.
    await page.selectOption('#f-trade', 'cleaning');
    expect(await page.locator('tr[data-record]').count()).toBe(0);
    await page.selectOption('#f-trade', '');

    await row.locator('a').click();
    await page.waitForURL(`${c.base}/desk/records/${record.id}`);
    await page.waitForSelector('#record[aria-busy="false"]');
    const actions = await page
      .locator('#rec-actions button')
      .evaluateAll((b) => b.map((x) => x.getAttribute('data-action')));
    expect(actions).toEqual(['dispatch', 'reclassify', 'note', 'cancel']);
    // Who was told, by which channel, and how it went.
    expect(await page.isVisible('#rec-notify-box')).toBe(true);
    expect(await page.textContent('#rec-notify li[data-state="failed"]')).toMatch(
      /sms.*已尝试 2 次.*gateway busy/s,
    );
    expect(await page.textContent('#no-readings')).toContain('未保存读数');
    expect(await page.locator('#rec-window svg').count()).toBe(1);
    expect(await axeSerious(page)).toEqual([]);

    await page.click('button[data-action="dispatch"]');
    const assignee = page.locator('form[data-action="dispatch"] select[name="assigneeId"]');
    expect(await assignee.inputValue()).toBe('eng-1'); // the duty table's pick, changeable
    await page.click('form[data-action="dispatch"] button[type=submit]');
    await expect.poll(() => page.textContent('#rec-state')).toBe('派工');
    expect(await page.locator('#rec-history li[data-action="dispatch"]').count()).toBe(1);

    await page.goto('/desk');
    await row.waitFor();
    expect(await row.getAttribute('class')).not.toContain('alarm');

    // A resident calls about the same lift: the open record is offered and the call joins it.
    await page.click('#new-link');
    await page.waitForURL(/\/desk\/new/);
    await page.waitForSelector('#n-deviceId option[value="L-B1-1"]', { state: 'attached' });
    await page.selectOption('#n-deviceId', 'L-B1-1');
    await page.waitForSelector(`input[name=merge][value="${record.id}"]`);
    expect(await page.isChecked(`input[name=merge][value="${record.id}"]`)).toBe(true);
    expect(await axeSerious(page)).toEqual([]);
    await page.fill('#n-content', '电梯困人，业主来电');
    await page.fill('#n-contactName', '赵女士');
    await page.fill('#n-contactPhone', '138 0000 0000');
    await page.click('#new-record button[type=submit]');
    await page.waitForURL(`${c.base}/desk/records/${record.id}`);
    await page.waitForSelector('#rec-reports li');
    expect(await page.textContent('#rec-reports')).toContain('电梯困人，业主来电');
    await ctx.close();
  }, 90_000);

  it('refuses the desk to an engineer, in the page and by the server', async () => {
    const ctx = await desktopContext(c.browser, c.base);
    const page = await ctx.newPage();
    await browserSignIn(page, 'eng-1', 'pw-eng-1-secret');
    const res = await page.goto('/desk');
    expect(res?.status()).toBe(403);
    // The page's own fetch with its CSRF token: the API refuses the role, not the request.
    const status = await page.evaluate(`(async () => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const r = await fetch('/records', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ site: 'estate-1', source: 'call', type: 'inquiry', trade: 'customer_service', content: 'x' }),
      });
      return r.status;
    })()`);
    expect(status).toBe(403);
    await ctx.close();
  }, 60_000);
});
