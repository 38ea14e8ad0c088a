/**
 * The rounds' console pages over inject(): the planners' zone list and printable codes, a walker's
 * phone list that never carries the codes, the page a checkpoint's QR link opens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from '../api/support.ts';
import { ADMIN, asSession, openTestApi, type SignedIn, seedEstate, signIn } from './support.ts';

describe('rounds and zones pages', () => {
  let t: TestApi;
  let sup: SignedIn;
  let guard: SignedIn;
  let codes: string[];

  beforeAll(async () => {
    t = await openTestApi();
    await seedEstate(t);
    await t.call(ADMIN, 'POST', '/sites/estate-1/areas', { id: 'garden', name: '中心花园' });
    const zone = await t.call(ADMIN, 'POST', '/sites/estate-1/zones', {
      id: 'north',
      name: '北区',
      buildings: ['B1'],
      people: { security: ['guard-1'], engineering: ['eng-1'] },
    });
    expect(zone.statusCode, zone.body).toBe(201);
    const route = await t.call(ADMIN, 'POST', '/sites/estate-1/round-routes', {
      id: 'night',
      name: '夜间照明巡查',
      trade: 'security',
      faultKinds: ['lighting', 'lift'],
      checkpoints: [
        { name: '北门', area: 'garden', location: '岗亭旁' },
        { name: '1号楼大堂', building: 'B1' },
      ],
    });
    expect(route.statusCode, route.body).toBe(201);
    codes = route.json().checkpoints.map((c: { code: string }) => c.code);
    await t.call(ADMIN, 'POST', '/sites/estate-1/round-routes/night/schedules', { starts: '04:00' });
    sup = await signIn(t, 'sup-1', 'pw-sup-1-secret');
    guard = await signIn(t, 'guard-1', 'pw-guard-1-secret');
  });
  afterAll(async () => t?.close());

  it('lists zones with their people and routes with their schedule, for planners only', async () => {
    const page = await asSession(t, sup)('GET', '/manage/zones?site=estate-1');
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(
      /<tr data-zone="north"><td>北区 <span class="muted">north<\/span><\/td><td>B1<\/td><td>-<\/td>/,
    );
    expect(page.body).toContain('工程: eng-1<br>秩序: guard-1');
    expect(page.body).toContain('北门 → 1号楼大堂');
    expect(page.body).toContain('href="/manage/rounds/qr?site=estate-1&amp;route=night"');
    expect((await asSession(t, guard)('GET', '/manage/zones')).statusCode).toBe(403);
  });

  it('prints one QR code per checkpoint, linking to its point page', async () => {
    const page = await asSession(t, sup)('GET', '/manage/rounds/qr?site=estate-1&route=night');
    expect(page.statusCode).toBe(200);
    for (const code of codes) {
      expect(page.body).toContain(`data-code="${code}"`);
      expect(page.body).toContain(`aria-label="http://localhost:80/m/p/${code}"`);
    }
    expect((await asSession(t, sup)('GET', '/manage/rounds/qr?site=estate-1&route=nope')).statusCode).toBe(
      404,
    );
  });

  it("gives walkers the routes to start but never a checkpoint's code", async () => {
    const page = await asSession(t, guard)('GET', '/m/rounds');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('"routes":[{"site":"estate-1","id":"night","name":"夜间照明巡查"}]');
    for (const code of codes) expect(page.body).not.toContain(code);
    expect(page.body).toContain('href="/m/rounds"');
  });

  it('opens the point page from a scanned code, refuses an unknown one, asks strangers to sign in', async () => {
    const page = await asSession(t, guard)('GET', `/m/p/${codes[0]}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('路线「夜间照明巡查」：北门');
    expect(page.body).toContain('"view":"point"');
    expect((await asSession(t, guard)('GET', '/m/p/ZZZZZZZZZZZZ')).statusCode).toBe(404);
    const stranger = await t.app.inject({ url: `/m/p/${codes[0]}` });
    expect(stranger.statusCode).toBe(303);
    expect(stranger.headers.location).toBe(`/sign-in?next=${encodeURIComponent(`/m/p/${codes[0]}`)}`);
  });
});
