/**
 * Every main page at desktop (1280×800) and phone (390×844) size, with data in it: axe-core finds
 * no serious or critical violation at either size, and the screenshots go to docs/screenshots/
 * (with FM_SCREENSHOTS=1; docs/console.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceStore } from '../../src/api/console/places.ts';
import type { TestApi } from '../api/support.ts';
import {
  axeSerious,
  type Browser,
  type BrowserContext,
  desktopContext,
  launchBrowser,
  phoneContext,
  screenshot,
} from '../support/browser.ts';
import {
  ADMIN,
  addPerson,
  cookiesOf,
  listen,
  openTestApi,
  raiseEntrapment,
  seedEstate,
  signIn,
  wallClock,
} from './support.ts';

interface Shot {
  name: string;
  /** Who looks at it (undefined: nobody signed in). */
  as?: string;
  path: () => string;
  /** The page is drawn with its data when this is there. */
  ready: string;
}

describe('every main page at both sizes', () => {
  let t: TestApi;
  let browser: Browser;
  let base: string;
  let recordId = 0;
  let placeCode = '';
  let statusPath = '';
  let roundId = 0;
  const cookies = new Map<string, string>();

  beforeAll(async () => {
    t = await openTestApi();
    wallClock(t);
    await seedEstate(t);
    await addPerson(t, { id: 'admin-1', roles: ['admin'] });
    const { record } = await raiseEntrapment(t, 'shots');
    recordId = record.id;
    await t.call(ADMIN, 'POST', `/records/${record.id}/actions/dispatch`, {});
    await t.call(ADMIN, 'POST', '/records', {
      site: 'estate-1',
      source: 'call',
      type: 'complaint',
      trade: 'customer_service',
      priority: 'urgent',
      content: '楼道噪音投诉',
      building: 'B1',
      floor: 6,
      unit: '602',
    });
    const places = new PlaceStore(t.records.db, Date.now);
    await places.ensure('estate-1', 'admin');
    placeCode = (await places.list('estate-1')).find((p) => p.kind === 'device')!.code;
    const form = await t.app.inject({ url: `/r/${placeCode}` });
    const res = await t.app.inject({
      method: 'POST',
      url: `/r/${placeCode}`,
      headers: {
        cookie: `fm_pre=${cookiesOf(form.headers).fm_pre}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({
        _csrf: /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!,
        problem: 'trapped',
      }).toString(),
    });
    statusPath = (res.headers.location as string).split('?')[0]!;
    await t.call(ADMIN, 'POST', '/sites/estate-1/zones', {
      id: 'north',
      name: '北区',
      buildings: ['B1'],
      people: { security: ['guard-1'], engineering: ['eng-1'] },
    });
    await t.call(ADMIN, 'POST', '/sites/estate-1/round-routes', {
      id: 'night',
      name: '夜间照明巡查',
      trade: 'security',
      zone: 'north',
      faultKinds: ['lighting', 'lift'],
      checkpoints: [
        { name: '北门', location: '岗亭旁' },
        { name: '1号楼大堂', building: 'B1' },
        { name: '中心花园' },
      ],
    });
    await t.call(ADMIN, 'POST', '/sites/estate-1/round-routes/night/schedules', { starts: '04:00' });
    const guardToken = await t.token(['guard'], 'guard-1');
    roundId = (await t.call(guardToken, 'POST', '/rounds', { site: 'estate-1', route: 'night' })).json().id;
    for (const who of ['desk-1', 'eng-1', 'guard-1', 'mgr-1', 'admin-1'])
      cookies.set(who, (await signIn(t, who, `pw-${who}-secret`)).cookie.split('=')[1]!);
    base = await listen(t);
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const SHOTS: Shot[] = [
    { name: 'sign-in', path: () => '/sign-in', ready: '#login' },
    { name: 'desk', as: 'desk-1', path: () => '/desk?site=estate-1', ready: 'tr[data-record]' },
    {
      name: 'record',
      as: 'desk-1',
      path: () => `/desk/records/${recordId}`,
      ready: '#record[aria-busy="false"]',
    },
    {
      name: 'new-record',
      as: 'desk-1',
      path: () => '/desk/new?site=estate-1',
      ready: '#n-deviceId option[value="L-B1-1"]',
    },
    { name: 'manage', as: 'mgr-1', path: () => '/manage?site=estate-1', ready: '#trend tbody tr' },
    { name: 'duty', as: 'mgr-1', path: () => '/manage/duty?site=estate-1', ready: '#limits tbody tr' },
    { name: 'estate', as: 'desk-1', path: () => '/estate?site=estate-1', ready: 'tr[data-device]' },
    { name: 'slips', as: 'eng-1', path: () => '/m', ready: 'li[data-record]' },
    { name: 'slip', as: 'eng-1', path: () => `/m/records/${recordId}`, ready: '#record[aria-busy="false"]' },
    { name: 'alerts', as: 'guard-1', path: () => '/m/alerts', ready: 'li[data-alert]' },
    { name: 'people', as: 'admin-1', path: () => '/admin/people', ready: 'tr[data-staff]' },
    { name: 'person', as: 'mgr-1', path: () => '/manage/people/eng-1', ready: '#edit-person' },
    { name: 'qr', as: 'admin-1', path: () => '/admin/qr?site=estate-1', ready: '.qr-sheet figure' },
    { name: 'rounds', as: 'guard-1', path: () => '/m/rounds', ready: 'li[data-route]' },
    { name: 'round', as: 'guard-1', path: () => `/m/rounds/${roundId}`, ready: '#points li[data-point]' },
    { name: 'zones', as: 'mgr-1', path: () => '/manage/zones?site=estate-1', ready: 'tr[data-route]' },
    {
      name: 'round-qr',
      as: 'mgr-1',
      path: () => '/manage/rounds/qr?site=estate-1&route=night',
      ready: '.qr-sheet figure',
    },
    { name: 'report', path: () => `/r/${placeCode}`, ready: '#report' },
    { name: 'report-status', path: () => statusPath, ready: '#phase' },
  ];

  for (const size of ['desktop', 'phone'] as const) {
    it(`draws every main page at ${size} size without serious accessibility faults`, async () => {
      const contexts = new Map<string, BrowserContext>();
      const contextFor = async (who = '') => {
        let ctx = contexts.get(who);
        if (!ctx) {
          ctx = await (size === 'phone' ? phoneContext : desktopContext)(browser, base);
          if (who) await ctx.addCookies([{ name: 'fm_session', value: cookies.get(who)!, url: base }]);
          contexts.set(who, ctx);
        }
        return ctx;
      };
      const faults: Record<string, unknown> = {};
      for (const shot of SHOTS) {
        const page = await (await contextFor(shot.as)).newPage();
        await page.goto(shot.path());
        await page.waitForSelector(shot.ready, { state: 'attached' });
        const found = await axeSerious(page);
        if (found.length) faults[shot.name] = found;
        await screenshot(page, shot.name);
        await page.close();
      }
      for (const ctx of contexts.values()) await ctx.close();
      expect(faults).toEqual({});
    }, 120_000);
  }
});
