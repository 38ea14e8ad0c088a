/** A resident's call to closed through the API, merging, paging, and the refusals on the way. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, openTestApi, type TestApi } from './support.ts';

export function recordsApiSuite(name: string, databaseUrl: () => string | undefined) {
  describe(`service records over the API on ${name}`, () => {
    let t: TestApi;
    let desk: string;
    let eng: string;
    const MIN = 60_000;

    beforeAll(async () => {
      t = await openTestApi({ databaseUrl: databaseUrl() });
      await t.call(ADMIN, 'POST', '/sites', { id: 'estate-1', name: '一号小区' });
      await t.call(ADMIN, 'POST', '/sites/estate-1/buildings', { id: 'T3', name: 'Tower 3', floors: 18 });
      await t.call(ADMIN, 'POST', '/devices', {
        id: 'lift-T3-A',
        site: 'estate-1',
        kind: 'lift',
        building: 'T3',
      });
      await t.desk!.addStaff({ id: 'eng-li', name: 'Li', roles: ['engineer'], trades: ['engineering'] });
      await t.desk!.addShift({
        site: 'estate-1',
        staffId: 'eng-li',
        trade: 'engineering',
        starts: '00:00',
        ends: '00:00',
      });
      desk = await t.token(['front_desk'], 'desk-wang');
      eng = await t.token(['engineer'], 'eng-li');
    });
    afterAll(async () => t?.close());

    const call = {
      site: 'estate-1',
      source: 'call',
      type: 'repair',
      trade: 'engineering',
      priority: 'urgent',
      content: 'Lift A in tower 3 stops between floors and the doors do not open',
      building: 'T3',
      floor: 7,
      contactName: 'Ms Zhao',
      contactPhone: '138 0000 0000',
      deviceId: 'lift-T3-A',
    };

    it('walks a call from received to closed', async () => {
      const created = await t.call(desk, 'POST', '/records', call);
      expect(created.statusCode).toBe(201);
      const { record, merged } = created.json();
      expect(merged).toBe(false);
      expect(record).toMatchObject({ state: 'received', ownerId: 'desk-wang', site: 'estate-1' });
      const id = record.id as number;
      const act = async (token: string, action: string, body?: unknown) => {
        t.clock.t += MIN;
        const res = await t.call(token, 'POST', `/records/${id}/actions/${action}`, body);
        expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
        return res.json();
      };
      expect((await act(desk, 'dispatch')).assigneeId).toBe('eng-li'); // the duty table picked
      await act(eng, 'acknowledge');
      await act(eng, 'arrive');
      await act(eng, 'plan', { durationMin: 60, feeCents: 0, residentAgreed: true });
      await act(eng, 'start');
      await act(eng, 'complete', { workMinutes: 55, materials: [{ name: 'door roller', quantity: 2 }] });
      await act(desk, 'accept', { acceptedBy: 'Ms Zhao' });
      const closed = await act(desk, 'visit', { fixed: true, satisfied: true, chargesOk: true });
      expect(closed.state).toBe('closed');
      const detail = (await t.call(desk, 'GET', `/records/${id}`)).json();
      expect(detail.history.map((h: { action: string }) => h.action)).toEqual([
        'create',
        'dispatch',
        'acknowledge',
        'arrive',
        'plan',
        'start',
        'complete',
        'accept',
        'visit',
      ]);
      expect(detail.history[1]).toMatchObject({
        actorId: 'desk-wang',
        actorRole: 'front_desk',
        from: 'received',
      });
      // Finished: every further action is refused with 409.
      const again = await t.call(desk, 'POST', `/records/${id}/actions/cancel`, { reason: 'mistake' });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('illegal-transition');
    });

    it('merges a second call about the same device and offers candidates', async () => {
      const first = (await t.call(desk, 'POST', '/records', call)).json().record;
      const second = await t.call(desk, 'POST', '/records', {
        ...call,
        contactName: 'Mr Sun',
        content: 'Lift stuck again',
      });
      expect(second.statusCode).toBe(200);
      expect(second.json()).toMatchObject({ merged: true, record: { id: first.id } });
      const detail = (await t.call(desk, 'GET', `/records/${first.id}`)).json();
      expect(detail.reports).toHaveLength(1);
      expect(detail.reports[0]).toMatchObject({ contactName: 'Mr Sun' });
      const near = await t.call(desk, 'POST', '/records', {
        ...call,
        deviceId: undefined,
        merge: 'new',
        content: 'Noise in the lift lobby on 7',
      });
      expect(near.statusCode).toBe(201);
      expect(near.json().candidates.map((c: { record: { id: number } }) => c.record.id)).toContain(first.id);
      const cands = await t.call(desk, 'GET', '/records/merge-candidates?site=estate-1&deviceId=lift-T3-A');
      expect(cands.json().items[0]).toMatchObject({ reason: 'device', record: { id: first.id } });
    });

    it('lists open records of a site with cursor paging', async () => {
      for (let i = 0; i < 5; i++) {
        await t.call(desk, 'POST', '/records', { ...call, deviceId: undefined, merge: 'new', floor: i + 1 });
      }
      const seen: number[] = [];
      let url = '/records?site=estate-1&open=true&limit=3';
      for (;;) {
        const page = (await t.call(desk, 'GET', url)).json();
        seen.push(...page.items.map((r: { id: number }) => r.id));
        for (const r of page.items) expect(r.state).not.toBe('closed');
        if (page.nextCursor === null) break;
        url = `/records?site=estate-1&open=true&limit=3&cursor=${page.nextCursor}`;
      }
      expect(seen.length).toBeGreaterThanOrEqual(7);
      expect([...seen].sort((a, b) => b - a)).toEqual(seen);
      expect(new Set(seen).size).toBe(seen.length);
      const states = (await t.call(desk, 'GET', '/records?state=closed')).json().items;
      expect(states.every((r: { state: string }) => r.state === 'closed')).toBe(true);
    });

    it('refuses bad input with the field, unknown ids with 404, illegal steps with 409', async () => {
      const bad = await t.call(desk, 'POST', '/records', { ...call, type: 'praise' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toMatchObject({ code: 'invalid-input', field: 'body.type' });
      const phone = await t.call(desk, 'POST', '/records', { ...call, contactPhone: 'call me' });
      expect(phone.json().error.field).toBe('body.contactPhone');
      const noSite = await t.call(desk, 'POST', '/records', {
        ...call,
        site: 'nowhere',
        deviceId: undefined,
      });
      expect(noSite.statusCode).toBe(404);
      expect(noSite.json().error.code).toBe('site-not-found');
      expect((await t.call(desk, 'GET', '/records/999999')).json().error.code).toBe('record-not-found');
      expect((await t.call(desk, 'GET', '/records/abc')).json().error.field).toBe('params.id');
      expect((await t.call(desk, 'GET', '/records?limit=0')).json().error.field).toBe('query.limit');
      expect((await t.call(desk, 'GET', '/records?state=lost')).json().error.field).toMatch(/^query\.state/);
      const unknown = await t.call(desk, 'POST', '/records/1/actions/teleport', {});
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error.field).toBe('params.action');
      const missing = await t.call(desk, 'POST', '/records/999999/actions/dispatch', {
        assigneeId: 'eng-li',
      });
      expect(missing.statusCode).toBe(404);
      const id = (
        await t.call(desk, 'POST', '/records', { ...call, deviceId: undefined, merge: 'new' })
      ).json().record.id;
      const early = await t.call(eng, 'POST', `/records/${id}/actions/arrive`);
      expect(early.statusCode).toBe(409);
      expect(early.json().error.code).toBe('illegal-transition');
      const payload = await t.call(desk, 'POST', `/records/${id}/actions/cancel`, { reason: 'bored' });
      expect(payload.json().error).toMatchObject({ code: 'invalid-input', field: 'body.reason' });
      const other = await t.token(['engineer'], 'eng-zhou');
      await t.call(desk, 'POST', `/records/${id}/actions/dispatch`, { assigneeId: 'eng-li' });
      const notMine = await t.call(other, 'POST', `/records/${id}/actions/acknowledge`);
      expect(notMine.statusCode).toBe(403);
      expect(notMine.json().error.code).toBe('forbidden');
    });

    it('answers 503 desk-unavailable when no service desk runs in the process', async () => {
      const bare = await openTestApi({ desk: false });
      const res = await bare.call(ADMIN, 'GET', '/records');
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('desk-unavailable');
      await bare.close();
    });
  });
}
