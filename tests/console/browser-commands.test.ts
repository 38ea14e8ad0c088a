/**
 * A command from a record's page: a supervisor resets a tripped lighting circuit; the page follows
 * the command until the device's answer (played here into the store, as the command sender records
 * it) and the record's history shows both.
 */
import { describe, expect, it } from 'vitest';
import { listCommands, markSent, recordReply } from '../../src/records/index.ts';
import { axeSerious, desktopContext } from '../support/browser.ts';
import { ADMIN, browserSignIn, consoleInBrowser, estateOnWallTime } from './support.ts';

describe('device commands on the record page', () => {
  const c = consoleInBrowser(async (t) => {
    await estateOnWallTime(t);
    const res = await t.call(ADMIN, 'POST', '/devices', {
      id: 'LC-B1-1',
      site: 'estate-1',
      kind: 'lighting',
      building: 'B1',
    });
    if (res.statusCode !== 201) throw new Error(res.body);
  });

  it('offers reset for a tripped circuit and shows the answer and the history', async () => {
    const { record } = await c.t.desk!.raiseDeviceFault({
      deviceId: 'LC-B1-1',
      faultCode: 'circuit_trip',
      priority: 'urgent',
      trade: 'engineering',
      idempotencyKey: 'LC-B1-1/trip',
      occurredAt: new Date(),
    });
    const ctx = await desktopContext(c.browser, c.base);
    const page = await ctx.newPage();
    await browserSignIn(page, 'sup-1', 'pw-sup-1-secret', `/desk/records/${record.id}`);
    await page.waitForSelector('#record[aria-busy="false"]');
    const buttons = await page
      .locator('#cmd-buttons button')
      .evaluateAll((b) => b.map((x) => x.getAttribute('data-command')));
    expect(buttons).toEqual(['report-now', 'reset']);
    expect(await axeSerious(page)).toEqual([]);

    await page.click('#cmd-buttons button[data-command="reset"]');
    await expect.poll(() => page.textContent('#cmd-status')).toContain('等待');
    const [cmd] = await listCommands(c.t.records.db, 'LC-B1-1');
    expect(cmd).toMatchObject({ command: 'reset', recordId: record.id, requestedBy: 'sup-1' });
    await markSent(c.t.records.db, cmd!.id, new Date());
    await recordReply(
      c.t.records.db,
      'LC-B1-1',
      { id: cmd!.id, result: 'done', detail: 'breaker reclosed' },
      new Date(),
    );
    await expect
      .poll(() => page.textContent('#cmd-status'), { timeout: 10_000 })
      .toContain('设备已执行。breaker reclosed');

    await page.reload();
    await page.waitForSelector('#record[aria-busy="false"]');
    const history = await page
      .locator('#rec-history li')
      .evaluateAll((l) => l.map((x) => x.getAttribute('data-action')));
    expect(history).toEqual(expect.arrayContaining(['device_command', 'device_command_reply']));
    expect(await page.textContent('#rec-history li[data-action="device_command_reply"]')).toContain(
      '设备应答',
    );
    await ctx.close();
  }, 90_000);
});
