/**
 * The duty table, a site's deadlines and maintenance windows kept through the API: what is set up
 * here is what dispatch, the clock and rules then use, and the refusals on the way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentWindows } from '../../src/rules/maintenance.ts';
import { ADMIN, openTestApi, type TestApi } from './support.ts';

export function dutyApiSuite(name: string, databaseUrl: () => string | undefined) {
  describe(`duty table, deadlines and maintenance over the API on ${name}`, () => {
    let t: TestApi;
    let desk: string;
    let sup: string;
    let manager: string;
    const MIN = 60_000;
    const SITE = 'duty-1';

    beforeAll(async () => {
      t = await openTestApi({ databaseUrl: databaseUrl() });
      // 2025-03-03T01:00Z: Monday 09:00 in Shanghai, the site's time zone.
      await t.call(ADMIN, 'POST', '/sites', { id: SITE, name: 'Duty estate' });
      await t.call(ADMIN, 'POST', '/sites/duty-1/buildings', { id: 'T1', name: 'Tower 1', floors: 20 });
      await t.call(ADMIN, 'POST', '/sites/duty-1/areas', { id: 'garage', name: 'Car park' });
      await t.call(ADMIN, 'POST', '/devices', { id: 'P-1', site: SITE, kind: 'pump', building: 'T1' });
      desk = await t.token(['front_desk'], 'desk-wang');
      sup = await t.token(['supervisor'], 'sup-zhang');
      manager = await t.token(['manager'], 'mgr-chen');
    });
    afterAll(async () => t?.close());

    const call = (over: Record<string, unknown> = {}) => ({
      site: SITE,
      source: 'call',
      type: 'repair',
      trade: 'engineering',
      content: 'No water on the 12th floor',
      building: 'T1',
      floor: 12,
      merge: 'new',
      ...over,
    });
    const recordAndDispatch = async (over: Record<string, unknown> = {}) => {
      const created = await t.call(desk, 'POST', '/records', call(over));
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().record.id as number;
      const dispatched = await t.call(desk, 'POST', `/records/${id}/actions/dispatch`);
      expect(dispatched.statusCode, dispatched.body).toBe(200);
      return dispatched.json().assigneeId as string;
    };
    const dutyNow = async (q = 'trade=engineering') => t.call(desk, 'GET', `/duty/now?site=${SITE}&${q}`);

    it('staff and a shift added through the API get the dispatch, and /duty/now names them first', async () => {
      const added = await t.call(sup, 'POST', '/staff', {
        id: 'eng-li',
        name: 'Li',
        phone: '138 0000 0001',
        roles: ['engineer'],
        trades: ['engineering'],
        sites: [SITE],
      });
      expect(added.statusCode, added.body).toBe(201);
      expect(added.json()).toMatchObject({ id: 'eng-li', active: true, sites: [SITE] });
      const s = await t.call(sup, 'POST', '/duty-shifts', {
        site: SITE,
        staffId: 'eng-li',
        trade: 'engineering',
        weekdays: [1, 2, 3, 4, 5],
        starts: '08:00',
        ends: '17:00',
      });
      expect(s.statusCode, s.body).toBe(201);
      expect(s.json()).toMatchObject({ starts: '08:00', ends: '17:00', validFrom: null, validUntil: null });

      const now = await dutyNow();
      expect(now.statusCode, now.body).toBe(200);
      expect(now.json()).toMatchObject({ staffId: 'eng-li', via: 'shift', staff: { name: 'Li' } });
      expect(await recordAndDispatch()).toBe('eng-li');

      // An area's own shift beats the site-wide one, for /duty/now and dispatch alike.
      await t.call(sup, 'POST', '/staff', {
        id: 'eng-wu',
        name: 'Wu',
        roles: ['engineer'],
        trades: ['engineering'],
      });
      await t.call(sup, 'POST', '/duty-shifts', {
        site: SITE,
        staffId: 'eng-wu',
        trade: 'engineering',
        area: 'garage',
        starts: '00:00',
        ends: '00:00',
      });
      expect((await dutyNow('trade=engineering&area=garage')).json().staffId).toBe('eng-wu');
      expect(await recordAndDispatch({ building: undefined, floor: undefined, area: 'garage' })).toBe(
        'eng-wu',
      );
      // Outside the shift's hours (Monday 18:00 local) nobody is on: 409 no-assignee, as dispatch says.
      const evening = await dutyNow('trade=engineering&at=2025-03-03T18:00:00%2B08:00');
      expect(evening.statusCode).toBe(409);
      expect(evening.json().error.code).toBe('no-assignee');

      const list = await t.call(desk, 'GET', `/duty-shifts?site=${SITE}&trade=engineering`);
      expect(list.statusCode).toBe(200);
      expect(list.json().items.map((x: { staffId: string }) => x.staffId)).toEqual(['eng-li', 'eng-wu']);
    });

    it('an ended shift and a deactivated person no longer get slips; the supervisor does', async () => {
      await t.call(manager, 'POST', '/staff', {
        id: 'sup-eng',
        name: 'Zhang',
        roles: ['supervisor'],
        trades: ['engineering'],
      });
      const [li] = (await t.call(desk, 'GET', `/duty-shifts?staffId=eng-li`)).json().items;
      t.clock.t += MIN;
      const ended = await t.call(sup, 'PATCH', `/duty-shifts/${li.id}`, {});
      expect(ended.statusCode, ended.body).toBe(200);
      expect(ended.json()).toMatchObject({
        endedBy: 'sup-zhang',
        validUntil: new Date(t.clock.t).toISOString(),
      });
      t.clock.t += 1000;
      expect((await dutyNow()).json()).toMatchObject({ staffId: 'sup-eng', via: 'supervisor' });
      expect(await recordAndDispatch()).toBe('sup-eng');
      // Still listed (nothing deleted) over a range before it ended, not after.
      const before = new Date(t.clock.t - 10 * MIN).toISOString();
      const after = new Date(t.clock.t + MIN).toISOString();
      const q = (from: string) => `/duty-shifts?staffId=eng-li&from=${encodeURIComponent(from)}`;
      expect((await t.call(desk, 'GET', q(before))).json().items).toHaveLength(1);
      expect((await t.call(desk, 'GET', q(after))).json().items).toHaveLength(0);
      const again = await t.call(sup, 'PATCH', `/duty-shifts/${li.id}`, {});
      expect([again.statusCode, again.json().error.code]).toEqual([409, 'shift-ended']);

      const off = await t.call(sup, 'PATCH', '/staff/eng-wu', { active: false });
      expect(off.json()).toMatchObject({ id: 'eng-wu', active: false });
      expect((await dutyNow('trade=engineering&area=garage')).json().staffId).toBe('sup-eng');
      const inactive = (await t.call(desk, 'GET', '/staff?active=false')).json().items;
      expect(inactive.map((s: { id: string }) => s.id)).toEqual(['eng-wu']);
    });

    it('refuses bad bodies with invalid-input naming the field, and unknown references with 404', async () => {
      const expect400 = async (
        method: 'POST' | 'PATCH' | 'PUT',
        url: string,
        body: unknown,
        field?: string,
      ) => {
        const res = await t.call(manager, method, url, body);
        expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
        expect(res.json().error.code).toBe('invalid-input');
        if (field) expect(res.json().error.field).toBe(field);
      };
      await expect400('POST', '/staff', { id: 'x', name: 'X', roles: ['janitor'] }, 'body.roles.0');
      await expect400('POST', '/staff', { id: 'bad id', name: 'X', roles: ['engineer'] }, 'body.id');
      await expect400('PATCH', '/staff/eng-li', {});
      const shift = { site: SITE, staffId: 'eng-li', trade: 'engineering', starts: '08:00', ends: '17:00' };
      await expect400('POST', '/duty-shifts', { ...shift, starts: '25:00' }, 'body.starts');
      await expect400('POST', '/duty-shifts', { ...shift, weekdays: [0] }, 'body.weekdays.0');
      await expect400('PATCH', '/duty-shifts/1', { until: '2020-01-01T00:00:00Z' });
      await expect400('PUT', `/sites/${SITE}/sla`, { overrides: [{ step: 'dispatch', limitMs: -1 }] });
      await expect400('PUT', `/sites/${SITE}/sla`, { overrides: [{ step: 'lunch', limitMs: 1000 }] });
      await expect400('PUT', `/sites/${SITE}/sla`, {
        overrides: [
          { step: 'dispatch', limitMs: 1000 },
          { step: 'dispatch', limitMs: 2000 },
        ],
      });
      const window = {
        site: SITE,
        scope: 'device',
        startsAt: '2025-03-03T09:00:00+08:00',
        endsAt: '2025-03-03T10:00:00+08:00',
      };
      await expect400('POST', '/maintenance-windows', window, 'body.target');
      await expect400(
        'POST',
        '/maintenance-windows',
        { ...window, target: 'P-1', endsAt: window.startsAt },
        'body.endsAt',
      );

      // A person whose staff row names other sites is not put on this site's duty table.
      await t.call(manager, 'POST', '/staff', {
        id: 'eng-elsewhere',
        name: 'Elsewhere',
        roles: ['engineer'],
        trades: ['engineering'],
        sites: ['another-site'],
      });
      const elsewhere = await t.call(manager, 'POST', '/duty-shifts', { ...shift, staffId: 'eng-elsewhere' });
      expect([elsewhere.statusCode, elsewhere.json().error.code]).toEqual([400, 'invalid-input']);
      expect(elsewhere.json().error.message).toContain('does not work site');

      const nobody = await t.call(manager, 'POST', '/duty-shifts', { ...shift, staffId: 'ghost' });
      expect([nobody.statusCode, nobody.json().error.code]).toEqual([404, 'staff-not-found']);
      const noDevice = await t.call(manager, 'POST', '/maintenance-windows', { ...window, target: 'P-404' });
      expect([noDevice.statusCode, noDevice.json().error.code]).toEqual([404, 'device-not-found']);
      const dup = await t.call(manager, 'POST', '/staff', { id: 'eng-li', name: 'Li', roles: ['engineer'] });
      expect([dup.statusCode, dup.json().error.code]).toEqual([409, 'staff-exists']);
    });

    it('lets nobody give a role above their own, nor change the row of a person who holds one', async () => {
      const person = (id: string, roles: string[]) => ({ id, name: id, roles, sites: [SITE] });
      const code = async (token: string, method: 'POST' | 'PATCH', url: string, body: unknown) =>
        (await t.call(token, method, url, body)).statusCode;
      // A supervisor runs the desk, the engineers and the guards.
      expect(await code(sup, 'POST', '/staff', person('g-new', ['guard']))).toBe(201);
      const up = await t.call(sup, 'POST', '/staff', person('m-new', ['manager']));
      expect(up.statusCode).toBe(403);
      expect(up.json().error.message).toContain('manager');
      expect(await code(sup, 'POST', '/staff', person('s-new', ['supervisor']))).toBe(403);
      expect(await code(sup, 'PATCH', '/staff/g-new', { roles: ['guard', 'admin'] })).toBe(403);
      // A manager also the supervisors, not the managers and admins.
      expect(await code(manager, 'POST', '/staff', person('s-new', ['supervisor']))).toBe(201);
      expect(await code(manager, 'POST', '/staff', person('a-new', ['admin']))).toBe(403);
      expect(await code(ADMIN, 'POST', '/staff', person('a-new', ['admin']))).toBe(201);
      // An admin's or a supervisor's row is beyond a supervisor: no deactivating, no phone change.
      expect(await code(sup, 'PATCH', '/staff/a-new', { active: false })).toBe(403);
      expect(await code(sup, 'PATCH', '/staff/s-new', { phone: '13800000000' })).toBe(403);
      expect(await code(manager, 'PATCH', '/staff/a-new', { active: false })).toBe(403);
      expect(await code(manager, 'PATCH', '/staff/s-new', { active: false })).toBe(200);
      expect(await code(sup, 'PATCH', '/staff/g-new', { phone: '13800000001' })).toBe(200);
      const admins = (await t.call(ADMIN, 'GET', '/staff')).json().items;
      expect(admins.find((p: { id: string }) => p.id === 'a-new')).toMatchObject({
        active: true,
        roles: ['admin'],
      });
    });

    it('lets the front desk read but not write the duty table, deadlines or maintenance (403)', async () => {
      for (const [method, url, body] of [
        ['POST', '/staff', { id: 'desk-2', name: 'Desk', roles: ['front_desk'] }],
        ['PATCH', '/staff/eng-li', { active: false }],
        [
          'POST',
          '/duty-shifts',
          { site: SITE, staffId: 'eng-li', trade: 'cleaning', starts: '08:00', ends: '09:00' },
        ],
        ['PATCH', '/duty-shifts/1', {}],
        ['PUT', `/sites/${SITE}/sla`, { overrides: [] }],
        [
          'POST',
          '/maintenance-windows',
          {
            site: SITE,
            scope: 'site',
            startsAt: '2025-03-03T09:00:00+08:00',
            endsAt: '2025-03-03T10:00:00+08:00',
          },
        ],
        ['PATCH', '/maintenance-windows/1', { state: 'ended' }],
      ] as const) {
        const res = await t.call(desk, method, url, body);
        expect(res.statusCode, `${method} ${url}`).toBe(403);
        expect(res.json().error.code).toBe('forbidden');
      }
      // Deadlines are the managers' policy: a supervisor may not change them either.
      expect((await t.call(sup, 'PUT', `/sites/${SITE}/sla`, { overrides: [] })).statusCode).toBe(403);
      for (const url of ['/staff', '/duty-shifts', `/sites/${SITE}/sla`, '/maintenance-windows']) {
        expect((await t.call(desk, 'GET', url)).statusCode, url).toBe(200);
      }
      expect((await t.call(desk, 'DELETE', '/staff/eng-li')).statusCode).toBe(404);
    });

    it("a site's deadline overrides set through the API are the ones the clock gives the next record", async () => {
      const put = await t.call(manager, 'PUT', `/sites/${SITE}/sla`, {
        overrides: [
          { step: 'dispatch', limitMs: 4 * MIN },
          { type: 'repair', step: 'dispatch', limitMs: 5 * MIN },
        ],
      });
      expect(put.statusCode, put.body).toBe(200);
      const sla = put.json();
      expect(sla.effective.repair.dispatch).toBe(5 * MIN);
      expect(sla.effective.complaint.dispatch).toBe(4 * MIN);
      expect(sla.effective.repair.on_site).toBe(10 * MIN);
      expect((await t.call(desk, 'GET', `/sites/${SITE}/sla`)).json()).toEqual(sla);

      const created = (await t.call(desk, 'POST', '/records', call())).json().record;
      const detail = (await t.call(desk, 'GET', `/records/${created.id}`)).json();
      const due = detail.deadlines.find((d: { step: string }) => d.step === 'dispatch').dueAt;
      expect(Date.parse(due) - Date.parse(created.receivedAt)).toBe(5 * MIN);

      // PUT replaces: what is left out falls back to the default.
      const cleared = (await t.call(manager, 'PUT', `/sites/${SITE}/sla`, { overrides: [] })).json();
      expect(cleared).toMatchObject({ overrides: [], effective: { repair: { dispatch: 2 * MIN } } });
      const ghost = await t.call(manager, 'GET', '/sites/ghost/sla');
      expect([ghost.statusCode, ghost.json().error.code]).toEqual([404, 'site-not-found']);
    });

    it('maintenance windows: created, listed, ended early and cancelled, as rules reads them', async () => {
      const at = (ms: number) => new Date(t.clock.t + ms).toISOString();
      const created = await t.call(sup, 'POST', '/maintenance-windows', {
        site: SITE,
        scope: 'device',
        target: 'P-1',
        startsAt: at(-MIN),
        endsAt: at(60 * MIN),
        note: 'replacing the pressure sensor',
      });
      expect(created.statusCode, created.body).toBe(201);
      const w = created.json();
      expect(w).toMatchObject({ state: 'active', createdBy: 'sup-zhang', scope: 'device', target: 'P-1' });
      const planned = (
        await t.call(sup, 'POST', '/maintenance-windows', {
          site: SITE,
          scope: 'area',
          target: 'garage',
          startsAt: at(24 * 60 * MIN),
          endsAt: at(25 * 60 * MIN),
        })
      ).json();
      expect(planned.state).toBe('planned');

      const reading = async () => (await currentWindows(t.records.db, new Date(t.clock.t))).map((x) => x.id);
      expect(await reading()).toEqual([w.id, planned.id]);
      const listed = (await t.call(desk, 'GET', `/maintenance-windows?site=${SITE}&state=active`)).json();
      expect(listed.items.map((x: { id: number }) => x.id)).toEqual([w.id]);

      const notBegun = await t.call(sup, 'PATCH', `/maintenance-windows/${planned.id}`, { state: 'ended' });
      expect([notBegun.statusCode, notBegun.json().error.code]).toEqual([409, 'maintenance-not-started']);
      t.clock.t += 10 * MIN;
      const ended = await t.call(sup, 'PATCH', `/maintenance-windows/${w.id}`, { state: 'ended' });
      expect(ended.statusCode, ended.body).toBe(200);
      expect(ended.json()).toMatchObject({
        state: 'ended',
        endsAt: new Date(t.clock.t).toISOString(),
        plannedEndsAt: w.endsAt,
        endedBy: 'sup-zhang',
      });
      const cancelled = await t.call(manager, 'PATCH', `/maintenance-windows/${planned.id}`, {
        state: 'cancelled',
      });
      expect(cancelled.json()).toMatchObject({ state: 'cancelled', endedBy: 'mgr-chen' });
      // Rules sees neither any more; the rows are still there.
      expect(await reading()).toEqual([]);
      expect((await t.call(desk, 'GET', `/maintenance-windows/${planned.id}`)).json().state).toBe(
        'cancelled',
      );
      const twice = await t.call(sup, 'PATCH', `/maintenance-windows/${w.id}`, { state: 'ended' });
      expect([twice.statusCode, twice.json().error.code]).toEqual([409, 'maintenance-ended']);
      const page = (await t.call(desk, 'GET', '/maintenance-windows?limit=1')).json();
      expect([page.items[0].id, page.nextCursor]).toEqual([planned.id, planned.id]);
    });
  });
}
