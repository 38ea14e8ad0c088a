/**
 * The whole chain on `facility start` with the demo estate, in chromium: a simulated lift traps
 * someone; the record appears in the desk's open queue without a reload; the desk dispatches it;
 * a resident's QR report about the lift joins it; the guard resolves the patrol alert; the
 * engineer, signed in on a phone, works it to "done" with a photo; the desk accepts it and makes
 * the return visit; the manager's page counts it.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { type Platform, startPlatform } from '../../src/platform.ts';
import { axeSerious, type Browser, desktopContext, launchBrowser, phoneContext } from '../support/browser.ts';
import { migratedDataDir } from '../support/store.ts';
import { browserSignIn, TINY_PNG } from './support.ts';

describe('the chain from a device to the manager, in a browser', () => {
  const dataDir = migratedDataDir('console-platform');
  let platform: Platform;
  let browser: Browser;
  let base: string;
  let pw: Record<string, string>;

  beforeAll(async () => {
    const config = loadConfig({
      FM_DATA_DIR: dataDir,
      FM_MQTT_PORT: '0',
      FM_MQTT_WS_PORT: '0',
      FM_API_PORT: '0',
      FM_LANG: 'zh-CN',
    });
    platform = await startPlatform({ config, log: pino({ level: 'silent' }), demo: true, demoFaults: false });
    base = platform.api.address;
    const signIns = JSON.parse(readFileSync(join(dataDir, 'demo-sign-ins.json'), 'utf8')) as {
      username: string;
      password: string;
    }[];
    pw = Object.fromEntries(signIns.map((s) => [s.username, s.password]));
    expect(platform.summary.join('\n')).toContain(`engineer    ${pw.engineer}`);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('walks an entrapment from the lift to the managers’ figures', async () => {
    const deskCtx = await desktopContext(browser, base);
    const desk = await deskCtx.newPage();
    await browserSignIn(desk, 'desk', pw.desk!, '/desk');
    await desk.waitForSelector('#live[data-live="yes"]');

    const raisedAt = Date.now();
    expect(platform.fleet!.inject('L-B1-1', 'entrapment', 'raise')).toBe(true);
    const row = desk.locator('tr[data-record]', { hasText: 'L-B1-1' });
    await row.waitFor({ timeout: 60_000 });
    const seenAfterMs = Date.now() - raisedAt;
    const id = Number(await row.getAttribute('data-record'));
    expect(await row.getAttribute('class')).toContain('alarm');
    expect(seenAfterMs).toBeLessThan(60_000);

    await desk.goto(`/desk/records/${id}`);
    await desk.waitForSelector('#record[aria-busy="false"]');
    await desk.click('button[data-action="dispatch"]');
    expect(await desk.inputValue('form[data-action="dispatch"] select[name="assigneeId"]')).toBe('engineer');
    await desk.click('form[data-action="dispatch"] button[type=submit]');
    await expect.poll(() => desk.textContent('#rec-state')).toBe('派工');

    // A resident in the lobby scans the lift's code and reports it; the call joins the record.
    const adminCtx = await desktopContext(browser, base);
    const admin = await adminCtx.newPage();
    await browserSignIn(admin, 'admin', pw.admin!, '/admin/people');
    await admin.goto('/admin/qr?site=demo');
    const url = (await admin
      .locator('figure', { hasText: 'L-B1-1' })
      .first()
      .locator('svg')
      .getAttribute('aria-label'))!;
    await adminCtx.close();
    const residentCtx = await phoneContext(browser, base);
    const resident = await residentCtx.newPage();
    await resident.goto(url);
    await resident.check('input[value="trapped"]');
    await resident.click('main button[type=submit]');
    await resident.waitForURL(/new=merged$/);
    await residentCtx.close();
    await desk.waitForSelector('#rec-reports li');

    // The guard takes the patrol alert the entrapment raised.
    const guardCtx = await phoneContext(browser, base);
    const guard = await guardCtx.newPage();
    await browserSignIn(guard, 'guard', pw.guard!, '/m/alerts');
    const alert = guard.locator('li[data-alert]', { hasText: 'L-B1-1' }).first();
    await alert.waitFor();
    await alert.locator('button[data-action="arrive"]').click();
    await alert.locator('button[data-action="resolve"]').waitFor();
    await alert.locator('button[data-action="resolve"]').click();
    await alert.locator('textarea').fill('乘客已安全撤出');
    await alert.locator('form button[type=submit]').click();
    await alert.waitFor({ state: 'detached' });
    await guardCtx.close();

    // The engineer works the slip on a phone.
    const engCtx = await phoneContext(browser, base);
    const eng = await engCtx.newPage();
    await browserSignIn(eng, 'engineer', pw.engineer!, '/m');
    const slip = eng.locator(`li[data-record="${id}"]`);
    await slip.locator('button[data-action="arrive"]').click();
    await slip.locator('button[data-action="plan"]').click();
    await eng.waitForURL(/act=plan$/);
    const plan = eng.locator('form[data-action="plan"]');
    await plan.locator('[name=durationMin]').fill('30');
    await plan.locator('[name=residentAgreed]').check();
    await plan.locator('button[type=submit]').click();
    await expect.poll(() => eng.textContent('#rec-state')).toBe('方案确认');
    await eng.click('#rec-actions button[data-action="start"]');
    await expect.poll(() => eng.textContent('#rec-state')).toBe('处理中');
    await eng.setInputFiles('#photo-file', { name: 'after.png', mimeType: 'image/png', buffer: TINY_PNG });
    await eng.selectOption('#photo-label', 'after');
    await eng.click('#photo-form button[type=submit]');
    await eng.locator('#rec-photos img').waitFor();
    await eng.click('#rec-actions button[data-action="complete"]');
    await eng.locator('form[data-action="complete"] [name=workMinutes]').fill('25');
    await eng.click('form[data-action="complete"] button[type=submit]');
    await expect.poll(() => eng.textContent('#rec-state')).toBe('待验收');
    await engCtx.close();

    // The desk sees it done (live), accepts it with the resident and makes the return visit.
    await expect.poll(() => desk.textContent('#rec-state'), { timeout: 15_000 }).toBe('待验收');
    await desk.click('button[data-action="accept"]');
    await desk.fill('form[data-action="accept"] [name=acceptedBy]', '业主');
    await desk.click('form[data-action="accept"] button[type=submit]');
    await expect.poll(() => desk.textContent('#rec-state')).toBe('回访');
    await desk.click('button[data-action="visit"]');
    for (const f of ['fixed', 'satisfied', 'chargesOk'])
      await desk.selectOption(`form[data-action="visit"] [name=${f}]`, 'true');
    await desk.click('form[data-action="visit"] button[type=submit]');
    await expect.poll(() => desk.textContent('#rec-state')).toBe('已关闭');
    expect(await axeSerious(desk)).toEqual([]);
    await deskCtx.close();

    // The manager's page counts it.
    const mgrCtx = await desktopContext(browser, base);
    const mgr = await mgrCtx.newPage();
    await browserSignIn(mgr, 'manager', pw.manager!, '/manage');
    const visit = mgr.locator('tr[data-rate="returnVisit"] td');
    await visit.first().waitFor();
    expect(Number(await visit.nth(0).textContent())).toBeGreaterThanOrEqual(1);
    expect(
      Number(await mgr.locator('tr[data-rate="satisfaction"] td').first().textContent()),
    ).toBeGreaterThanOrEqual(1);
    await mgrCtx.close();
  }, 240_000);
});
