/** Patrol alerts through their procedure, and statistics as JSON and CSV. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, openTestApi, type TestApi } from './support.ts';

describe('patrol alerts and statistics', () => {
  let t: TestApi;
  let guard: string;
  let desk: string;
  let manager: string;

  beforeAll(async () => {
    t = await openTestApi();
    await t.call(ADMIN, 'POST', '/sites', { id: 'estate-1', name: 'S' });
    await t.call(ADMIN, 'POST', '/devices', {
      id: 'nvr-1',
      site: 'estate-1',
      kind: 'cctv',
      location: 'car park B1',
    });
    guard = await t.token(['guard'], 'guard-chen');
    desk = await t.token(['front_desk'], 'desk-wang');
    manager = await t.token(['manager'], 'mgr-liu');
  });
  afterAll(async () => t?.close());

  it('raises, lists, acts on and reads a patrol alert', async () => {
    const raised = await t.call(desk, 'POST', '/alerts', { deviceId: 'nvr-1', code: 'intrusion' });
    expect(raised.statusCode).toBe(201);
    const alert = raised.json();
    expect(alert).toMatchObject({ state: 'raised', site: 'estate-1', location: 'car park B1' });
    const list = (await t.call(guard, 'GET', '/alerts?site=estate-1&state=raised,acknowledged')).json();
    expect(list.items.map((a: { id: number }) => a.id)).toContain(alert.id);
    expect((await t.call(guard, 'POST', `/alerts/${alert.id}/actions/acknowledge`)).json().state).toBe(
      'acknowledged',
    );
    t.clock.t += 120_000;
    expect((await t.call(guard, 'POST', `/alerts/${alert.id}/actions/arrive`)).json().state).toBe('on_scene');
    const noNote = await t.call(guard, 'POST', `/alerts/${alert.id}/actions/resolve`, {});
    expect(noNote.statusCode).toBe(400);
    const resolved = await t.call(guard, 'POST', `/alerts/${alert.id}/actions/resolve`, {
      note: 'door left open',
    });
    expect(resolved.json()).toMatchObject({ state: 'resolved', guardId: 'guard-chen' });
    const again = await t.call(guard, 'POST', `/alerts/${alert.id}/actions/resolve`, { note: 'again' });
    expect(again.statusCode).toBe(409);
    const detail = (await t.call(desk, 'GET', `/alerts/${alert.id}`)).json();
    expect(detail.history.map((h: { action: string }) => h.action)).toEqual([
      'raise',
      'acknowledge',
      'arrive',
      'resolve',
    ]);
    expect((await t.call(desk, 'GET', '/alerts/424242')).json().error.code).toBe('alert-not-found');
    expect((await t.call(desk, 'GET', '/alerts?state=asleep')).json().error.field).toMatch(/^query\.state/);
  });

  it('answers statistics as JSON with numerators and denominators, and as CSV', async () => {
    await t.call(desk, 'POST', '/records', {
      site: 'estate-1',
      source: 'call',
      type: 'inquiry',
      trade: 'customer_service',
      content: 'Parking permit',
    });
    const json = await t.call(manager, 'GET', '/stats?site=estate-1&period=day&date=2025-03-03');
    expect(json.statusCode).toBe(200);
    const stats = json.json();
    expect(stats).toMatchObject({ site: 'estate-1', period: 'day', records: 1 });
    expect(stats.rates.timeliness).toHaveProperty('numerator');
    expect(stats.rates.timeliness).toHaveProperty('denominator');
    const csv = await t.app.inject({
      url: '/stats?site=estate-1&period=day&from=2025-03-03',
      headers: { authorization: `Bearer ${manager}`, accept: 'text/csv' },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toContain('stats-estate-1-day-2025-03-03.csv');
    // A UTF-8 byte order mark first, so Excel reads the Chinese headings as UTF-8.
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.body.split('\n')[0]).toMatch(/^\uFEFFkey,/);
    expect(csv.body).toMatch(/^timeliness,/m);
    const forced = await t.call(
      manager,
      'GET',
      '/stats?site=estate-1&period=week&date=2025-03-03&format=csv',
    );
    expect(forced.headers['content-type']).toMatch(/^text\/csv/);
    const bad = await t.call(manager, 'GET', '/stats?site=estate-1&period=year&date=2025-03-03');
    expect(bad.json().error.field).toBe('query.period');
    const noDate = await t.call(manager, 'GET', '/stats?site=estate-1&period=day');
    expect(noDate.json().error.field).toBe('query.date');
    expect((await t.call(manager, 'GET', '/stats?site=nowhere&period=day&date=2025-03-03')).statusCode).toBe(
      404,
    );
    expect((await t.call(guard, 'GET', '/stats?site=estate-1&period=day&date=2025-03-03')).statusCode).toBe(
      403,
    );
  });
});
