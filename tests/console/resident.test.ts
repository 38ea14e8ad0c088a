/**
 * Residents' QR reports through the real form: a report at a lift joins its open record, the status
 * link shows the step and nothing of anyone else, unknown codes and forged forms are refused, and
 * reports are limited per address and per place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceStore } from '../../src/api/console/places.ts';
import { replicaOf, type TestApi } from '../api/support.ts';
import { ADMIN, cookiesOf, openTestApi, raiseEntrapment, seedEstate } from './support.ts';

describe('residents’ QR reports', () => {
  let t: TestApi;
  let places: PlaceStore;
  let lift: string;
  let lobby: string;
  beforeAll(async () => {
    t = await openTestApi();
    await seedEstate(t);
    places = new PlaceStore(t.records.db, () => t.clock.t);
    expect(await places.ensure('estate-1', 'admin')).toBe(2);
    expect(await places.ensure('estate-1', 'admin')).toBe(0);
    const all = await places.list('estate-1');
    lift = all.find((p) => p.kind === 'device')!.code;
    lobby = all.find((p) => p.kind === 'building')!.code;
  });
  afterAll(async () => t?.close());

  async function report(
    code: string,
    fields: Record<string, string>,
    o: { address?: string; csrf?: boolean; app?: TestApi['app'] } = {},
  ) {
    const remoteAddress = o.address ?? '10.0.0.1';
    const app = o.app ?? t.app;
    const form = await app.inject({ url: `/r/${code}`, remoteAddress });
    const pre = cookiesOf(form.headers).fm_pre!;
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    return app.inject({
      method: 'POST',
      url: `/r/${code}`,
      remoteAddress,
      headers: { cookie: `fm_pre=${pre}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...(o.csrf === false ? {} : { _csrf: token }), ...fields }).toString(),
    });
  }

  it('offers the problems that fit the place', async () => {
    const page = await t.app.inject({ url: `/r/${lift}`, headers: { 'accept-language': 'en' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('value="trapped"');
    expect(page.body).not.toContain('value="clean"');
    expect((await t.app.inject({ url: `/r/${lobby}` })).body).toContain('value="clean"');
    expect((await t.app.inject({ url: '/r/AAAAAAAAAAAA' })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/r/../../etc' })).statusCode).toBe(404);
  });

  it('joins a report about a lift to its open record, and the status link tells the step only', async () => {
    const { record } = await raiseEntrapment(t, 'r-1');
    await t.call(ADMIN, 'POST', `/records/${record.id}/actions/note`, { note: 'eng-1 secret internal note' });
    const res = await report(lift, { problem: 'trapped', detail: '我被困在电梯里', phone: '138 1111 2222' });
    expect(res.statusCode).toBe(303);
    const location = res.headers.location as string;
    expect(location).toMatch(/^\/r\/s\/[\w-]{32}\?new=merged$/);
    const detail = (await t.call(ADMIN, 'GET', `/records/${record.id}`)).json();
    expect(detail.reports).toHaveLength(1);
    // An admin is not the front desk: the caller's number is masked (api/roles.ts, contacts).
    expect(detail.reports[0]).toMatchObject({ source: 'call', contactPhone: '138****2222' });
    expect(detail.reports[0].content).toContain('我被困在电梯里');

    const status = await t.app.inject({ url: location });
    expect(status.statusCode).toBe(200);
    expect(status.headers['x-robots-tag']).toContain('noindex');
    expect(status.body).toContain('已受理');
    for (const secret of [
      'secret internal note',
      'eng-1',
      `#${record.id}`,
      'entrapment',
      '138 1111 2222',
      '我被困在电梯里',
    ])
      expect(status.body).not.toContain(secret);

    await t.call(ADMIN, 'POST', `/records/${record.id}/actions/dispatch`, {});
    expect((await t.app.inject({ url: location.split('?')[0]! })).body).toContain('人员已派出');
    expect((await t.app.inject({ url: `/r/s/${'x'.repeat(32)}` })).statusCode).toBe(404);
  });

  it('opens a new call record at a lobby, with the place and the trade the problem needs', async () => {
    const res = await report(lobby, { problem: 'clean' }, { address: '10.0.0.2' });
    expect(res.statusCode).toBe(303);
    const page = (await t.call(ADMIN, 'GET', '/records?site=estate-1&trade=cleaning')).json();
    expect(page.items[0]).toMatchObject({ source: 'call', building: 'B1', priority: 'low', type: 'repair' });
  });

  it('refuses a forged or incomplete form', async () => {
    expect((await report(lobby, { problem: 'clean' }, { address: '10.0.0.3', csrf: false })).statusCode).toBe(
      403,
    );
    expect((await report(lobby, { problem: 'trapped' }, { address: '10.0.0.3' })).statusCode).toBe(400);
    expect(
      (await report(lobby, { problem: 'clean', phone: 'call me' }, { address: '10.0.0.3' })).statusCode,
    ).toBe(400);
  });

  it('limits reports per address and per place', async () => {
    for (let i = 0; i < 5; i++)
      expect((await report(lobby, { problem: 'light' }, { address: '10.0.1.1' })).statusCode).toBe(303);
    const held = await report(lobby, { problem: 'light' }, { address: '10.0.1.1' });
    expect(held.statusCode).toBe(429);
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(0);
    // Another phone may still report, until the place itself has had enough for the hour.
    let n = 0;
    let last = 303;
    while (last === 303 && n < 30)
      last = (await report(lobby, { problem: 'light' }, { address: `10.0.2.${n++}` })).statusCode;
    expect(last).toBe(429);
    expect(n).toBeLessThan(20);
    t.clock.t += 61 * 60_000;
    expect((await report(lobby, { problem: 'light' }, { address: '10.0.3.1' })).statusCode).toBe(303);
  });

  it('counts the reports of every API process on the same store together', async () => {
    const replica = await replicaOf(t);
    try {
      t.clock.t += 61 * 60_000;
      for (let i = 0; i < 5; i++) {
        const app = i % 2 === 0 ? t.app : replica;
        expect((await report(lobby, { problem: 'light' }, { address: '10.0.4.1', app })).statusCode).toBe(
          303,
        );
      }
      expect(
        (await report(lobby, { problem: 'light' }, { address: '10.0.4.1', app: replica })).statusCode,
      ).toBe(429);
    } finally {
      await replica.close();
    }
  });
});
