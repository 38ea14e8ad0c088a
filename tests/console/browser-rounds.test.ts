/**
 * In chromium at phone size: a guard starts the night round, sees the lift the devices reported
 * faulty at the head of the list, checks it with a tap, checks a point in by opening its QR link
 * (as the phone's camera would), reports a finding there and finishes the round.
 */
import { describe, expect, it } from 'vitest';
import { axeSerious, phoneContext } from '../support/browser.ts';
import { ADMIN, browserSignIn, consoleInBrowser, raiseEntrapment } from './support.ts';

describe('inspection rounds on the phone', () => {
  const c = consoleInBrowser();

  it('walks the night round: faulty lift first, a point by its code, a finding, finished', async () => {
    const route = await c.t.call(ADMIN, 'POST', '/sites/estate-1/round-routes', {
      id: 'night',
      name: '夜间巡查',
      trade: 'security',
      faultKinds: ['lighting', 'lift'],
      checkpoints: [
        { name: '北门', location: '岗亭旁' },
        { name: '1号楼大堂', building: 'B1' },
      ],
    });
    expect(route.statusCode, route.body).toBe(201);
    const [gate] = route.json().checkpoints as { code: string }[];
    const { record } = await raiseEntrapment(c.t, 'rounds-lift', 'door_open_failure');

    const ctx = await phoneContext(c.browser, c.base);
    const page = await ctx.newPage();
    await browserSignIn(page, 'guard-1', 'pw-guard-1-secret', '/m/rounds');
    await page.locator('#rounds[aria-busy="false"]').waitFor();
    expect(await axeSerious(page)).toEqual([]);
    await page.locator('li[data-route="night"] button').click();
    await page.waitForURL(/\/m\/rounds\/\d+$/);
    const roundUrl = page.url();
    const points = page.locator('#points > li');
    await expect.poll(() => points.count()).toBe(3);
    const lift = points.first();
    expect(await lift.locator('h2').textContent()).toContain('L-B1-1');
    expect(await lift.locator('.notice a').getAttribute('href')).toBe(`/m/records/${record.id}`);
    expect(await axeSerious(page)).toEqual([]);
    await lift.locator('button').click();
    await expect.poll(() => lift.getAttribute('data-state')).toBe('confirmed');

    await page.goto(`/m/p/${gate!.code}`);
    await expect.poll(() => page.textContent('#point-state')).toBe('已打卡：北门');
    await page.locator('#point-actions a').click();
    await page.waitForURL(roundUrl);
    const gatePoint = page.locator('#points > li').nth(1);
    await expect.poll(() => gatePoint.getAttribute('data-state')).toBe('confirmed');
    await gatePoint.locator('button').click();
    await gatePoint.locator('textarea').fill('北门道闸灯不亮');
    await gatePoint.locator('button[type=submit]').click();
    await expect.poll(() => page.textContent('#toast')).toMatch(/^问题已登记为工单 \d+$/);

    await page.locator('#finish').click();
    await expect.poll(() => page.textContent('#round-meta')).toMatch(/^已完成/);
    expect(await page.locator('#points > li').nth(2).getAttribute('data-state')).toBe('missed');
    const id = Number(roundUrl.split('/').pop());
    const round = (await c.t.call(ADMIN, 'GET', `/rounds/${id}`)).json();
    expect(round).toMatchObject({ state: 'finished', startedBy: 'guard-1' });
    expect(round.points.map((p: { state: string }) => p.state)).toEqual(['confirmed', 'confirmed', 'missed']);
    expect(round.points[1].findingRecordId).toEqual(expect.any(Number));
    await ctx.close();
  }, 90_000);
});
