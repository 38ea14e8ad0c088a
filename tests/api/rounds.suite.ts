/**
 * Zones and inspection rounds over the API: planners set up a zone and a route, a guard walks the
 * round with the codes printed at the points, a finding becomes a record, the roles hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, openTestApi, type TestApi } from './support.ts';

export function roundsApiSuite(name: string, databaseUrl: () => string | undefined) {
  describe(`zones and rounds over the API on ${name}`, () => {
    let t: TestApi;
    let sup: string;
    let guard: string;
    let desk: string;
    const SITE = 'rounds-1';

    beforeAll(async () => {
      t = await openTestApi({ databaseUrl: databaseUrl() });
      await t.call(ADMIN, 'POST', '/sites', { id: SITE, name: 'Rounds estate' });
      await t.call(ADMIN, 'POST', `/sites/${SITE}/buildings`, { id: 'T1', name: 'Tower 1', floors: 20 });
      await t.call(ADMIN, 'POST', `/sites/${SITE}/areas`, { id: 'garden', name: 'Garden' });
      sup = await t.token(['supervisor'], 'sup-zhang');
      guard = await t.token(['guard'], 'guard-wu');
      desk = await t.token(['front_desk'], 'desk-wang');
      for (const s of [
        { id: 'guard-wu', name: 'Wu', roles: ['guard'], trades: ['security'] },
        { id: 'eng-li', name: 'Li', roles: ['engineer'], trades: ['engineering'] },
      ]) {
        expect((await t.call(sup, 'POST', '/staff', s)).statusCode).toBe(201);
      }
    });
    afterAll(async () => t?.close());

    it('keeps zones: planners write, everyone reads, places in one zone only', async () => {
      const zone = { id: 'north', name: 'North', buildings: ['T1'], people: { security: ['guard-wu'] } };
      expect((await t.call(guard, 'POST', `/sites/${SITE}/zones`, zone)).statusCode).toBe(403);
      const added = await t.call(sup, 'POST', `/sites/${SITE}/zones`, zone);
      expect(added.statusCode, added.body).toBe(201);
      expect(added.json()).toMatchObject({ site: SITE, id: 'north', people: { security: ['guard-wu'] } });
      const twice = await t.call(sup, 'POST', `/sites/${SITE}/zones`, { ...zone, id: 'north-2' });
      expect(twice.statusCode).toBe(400);
      const put = await t.call(sup, 'PUT', `/sites/${SITE}/zones/north`, {
        name: 'North side',
        buildings: ['T1'],
        areas: ['garden'],
        people: { security: ['guard-wu'], engineering: ['eng-li'] },
      });
      expect(put.statusCode, put.body).toBe(200);
      const list = await t.call(guard, 'GET', `/sites/${SITE}/zones`);
      expect(list.json().items).toEqual([put.json()]);
      expect((await t.call(guard, 'GET', `/sites/${SITE}/zones/south`)).statusCode).toBe(404);
    });

    it('walks a round with the printed codes; a finding becomes a record; guards never read the codes', async () => {
      const route = await t.call(sup, 'POST', `/sites/${SITE}/round-routes`, {
        id: 'evening',
        name: 'Evening patrol',
        trade: 'security',
        zone: 'north',
        timeLimitMin: 20,
        checkpoints: [
          { name: 'Gate', area: 'garden' },
          { name: 'Tower 1 lobby', building: 'T1' },
        ],
      });
      expect(route.statusCode, route.body).toBe(201);
      const [gate, lobby] = route.json().checkpoints as { code: string }[];
      expect((await t.call(guard, 'GET', `/sites/${SITE}/round-routes`)).statusCode).toBe(403);
      const sched = await t.call(sup, 'POST', `/sites/${SITE}/round-routes/evening/schedules`, {
        starts: '20:00',
      });
      expect(sched.statusCode, sched.body).toBe(201);

      expect((await t.call(desk, 'POST', '/rounds', { site: SITE, route: 'evening' })).statusCode).toBe(403);
      const started = await t.call(guard, 'POST', '/rounds', { site: SITE, route: 'evening' });
      expect(started.statusCode, started.body).toBe(201);
      const round = started.json();
      expect(round).toMatchObject({ state: 'in_progress', startedBy: 'guard-wu', zone: 'north' });
      expect(JSON.stringify(round)).not.toContain(gate!.code);

      // The desk's countdowns and the managers' breach counts carry the round's deadline too.
      const pending = await t.call(desk, 'GET', `/deadlines?site=${SITE}`);
      expect(pending.statusCode, pending.body).toBe(200);
      expect(pending.json().items).toContainEqual(
        expect.objectContaining({ subject: 'round', subjectId: round.id, step: 'round_finish' }),
      );
      const confirmed = await t.call(guard, 'POST', `/rounds/${round.id}/confirm`, { code: gate!.code });
      expect(confirmed.statusCode, confirmed.body).toBe(200);
      const finding = await t.call(guard, 'POST', `/rounds/${round.id}/findings`, {
        point: round.points[0].id,
        content: 'Gate lamp out',
      });
      expect(finding.statusCode, finding.body).toBe(201);
      expect(finding.json().record).toMatchObject({ source: 'staff', area: 'garden', location: 'Gate' });
      const wrong = await t.call(guard, 'POST', `/rounds/${round.id}/confirm`, { code: 'ABCDEFGHJKMN' });
      expect(wrong.statusCode).toBe(404);
      t.clock.t += 25 * 60_000;
      const done = await t.call(guard, 'POST', `/rounds/${round.id}/confirm`, { code: lobby!.code });
      expect(done.json()).toMatchObject({ state: 'finished', late: true });
      expect((await t.call(guard, 'POST', `/rounds/${round.id}/finish`)).statusCode).toBe(409);
      const breaches = await t.call(
        sup,
        'GET',
        `/breaches?site=${SITE}&from=2025-03-02T16:00:00Z&to=2025-03-03T16:00:00Z`,
      );
      expect(breaches.statusCode, breaches.body).toBe(200);
      expect(breaches.json().items).toEqual([{ subject: 'round', step: 'round_finish', count: 1 }]);
      const listed = await t.call(desk, 'GET', `/rounds?site=${SITE}&state=finished`);
      expect(listed.json().items.map((r: { id: number }) => r.id)).toEqual([round.id]);
      const stats = await t.call(sup, 'GET', `/stats?site=${SITE}&period=day&date=2025-03-03&zone=north`);
      expect(stats.statusCode, stats.body).toBe(200);
      expect(stats.json()).toMatchObject({
        zone: 'north',
        records: 1,
        rates: {
          roundCompletion: { numerator: 2, denominator: 2 },
          roundsOnTime: { numerator: 0, denominator: 1 },
        },
      });
    });

    it('retires a point, a schedule and a route: later rounds skip them, the open round is walked to the end', async () => {
      const added = await t.call(sup, 'POST', `/sites/${SITE}/round-routes`, {
        id: 'garage',
        name: 'Garage patrol',
        trade: 'security',
        checkpoints: [{ name: 'Ramp' }, { name: 'Pump room door' }, { name: 'Exit' }],
      });
      expect(added.statusCode, added.body).toBe(201);
      const [ramp, door, exit] = added.json().checkpoints as { id: number; code: string }[];
      const sched = await t.call(sup, 'POST', `/sites/${SITE}/round-routes/garage/schedules`, {
        starts: '02:00',
      });
      const open = (await t.call(guard, 'POST', '/rounds', { site: SITE, route: 'garage' })).json();
      expect(open.points).toHaveLength(3);

      const base = `/sites/${SITE}/round-routes/garage`;
      expect((await t.call(guard, 'DELETE', `${base}/checkpoints/${door!.id}`)).statusCode).toBe(403);
      expect((await t.call(sup, 'DELETE', `${base}/checkpoints/${door!.id}`)).statusCode).toBe(204);
      expect((await t.call(sup, 'DELETE', `${base}/checkpoints/${door!.id}`)).statusCode).toBe(404);
      const route = (await t.call(sup, 'GET', base)).json();
      expect(route.checkpoints.map((c: { name: string }) => c.name)).toEqual(['Ramp', 'Exit']);
      // The round opened before keeps its three points, and the retired point's code still confirms it there.
      for (const c of [ramp, door, exit]) {
        const res = await t.call(guard, 'POST', `/rounds/${open.id}/confirm`, { code: c!.code });
        expect(res.statusCode, res.body).toBe(200);
      }
      const next = (await t.call(guard, 'POST', '/rounds', { site: SITE, route: 'garage' })).json();
      expect(next.points.map((p: { name: string }) => p.name)).toEqual(['Ramp', 'Exit']);
      expect(
        (await t.call(guard, 'POST', `/rounds/${next.id}/confirm`, { code: door!.code })).statusCode,
      ).toBe(404);

      expect((await t.call(sup, 'DELETE', `${base}/checkpoints/${ramp!.id}`)).statusCode).toBe(204);
      const last = await t.call(sup, 'DELETE', `${base}/checkpoints/${exit!.id}`);
      expect(last.statusCode).toBe(409);
      expect(last.json().error).toMatchObject({
        code: 'last-checkpoint',
        message: expect.stringContaining('retire the route instead'),
      });

      const id = sched.json().id as number;
      expect((await t.call(sup, 'DELETE', `${base}/schedules/${id}`)).statusCode).toBe(204);
      expect((await t.call(sup, 'GET', base)).json().schedules).toEqual([]);
      expect((await t.call(sup, 'DELETE', `${base}/schedules/${id}`)).statusCode).toBe(404);

      expect((await t.call(sup, 'DELETE', base)).statusCode).toBe(204);
      expect((await t.call(sup, 'GET', base)).statusCode).toBe(404);
      const routes = (await t.call(sup, 'GET', `/sites/${SITE}/round-routes`)).json().items;
      expect(routes.map((r: { id: string }) => r.id)).not.toContain('garage');
      expect((await t.call(guard, 'POST', '/rounds', { site: SITE, route: 'garage' })).statusCode).toBe(404);
      // Its rounds stay in the history.
      const history = (await t.call(desk, 'GET', `/rounds?site=${SITE}`)).json().items;
      expect(history.map((r: { id: number }) => r.id)).toEqual(expect.arrayContaining([open.id, next.id]));
      const again = { id: 'garage', name: 'Garage', trade: 'security', checkpoints: [{ name: 'Ramp' }] };
      expect((await t.call(sup, 'POST', `/sites/${SITE}/round-routes`, again)).statusCode).toBe(409);
    });
  });
}
