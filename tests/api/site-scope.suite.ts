/**
 * Site scope: a console session of a person whose staff row names site A sees and changes only A.
 * Another site's record, alert, device, window, photo, person or shift is 404 exactly as a missing
 * one; lists, stats, merge candidates and the stream hold only A; tokens and people of every site
 * still see both. Run on PGlite and PostgreSQL.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, addPerson, asSession, openTestApi, signIn } from '../console/support.ts';
import { type SiteIds, seedSite } from './site-scope.fixture.ts';
import type { TestApi } from './support.ts';

const A = 'estate-a';
const B = 'estate-b';

export function siteScopeSuite(name: string, databaseUrl: () => string | undefined) {
  describe(`site scope on ${name}`, () => {
    let t: TestApi;
    const ids: Record<string, SiteIds> = {};
    let deskA: ReturnType<typeof asSession>;
    let mgrA: ReturnType<typeof asSession>;
    let supA: ReturnType<typeof asSession>;
    let deskAll: ReturnType<typeof asSession>;
    let deskToken: string;

    beforeAll(async () => {
      t = await openTestApi({ databaseUrl: databaseUrl() });
      ids[A] = await seedSite(t, A, 'L-A');
      ids[B] = await seedSite(t, B, 'L-B');
      await addPerson(t, { id: 'desk-a', roles: ['front_desk'], sites: [A] });
      await addPerson(t, { id: 'mgr-a', roles: ['manager'], sites: [A] });
      await addPerson(t, { id: 'sup-a', roles: ['supervisor'], sites: [A] });
      await addPerson(t, { id: 'desk-all', roles: ['front_desk'], sites: [] });
      deskA = asSession(t, await signIn(t, 'desk-a', 'pw-desk-a-secret'));
      mgrA = asSession(t, await signIn(t, 'mgr-a', 'pw-mgr-a-secret'));
      supA = asSession(t, await signIn(t, 'sup-a', 'pw-sup-a-secret'));
      deskAll = asSession(t, await signIn(t, 'desk-all', 'pw-desk-all-secret'));
      deskToken = await t.token(['front_desk'], 'desk-token');
    }, 60_000);
    afterAll(async () => t?.close());

    it("answers 404 for another site's entities, with the body of one that does not exist", async () => {
      const b = ids[B]!;
      const rec = String(b.record);
      // [theirs, one that does not exist, their id, the missing id]
      const pairs: [string, string, string, string][] = [
        [`/records/${rec}`, '/records/999999', rec, '999999'],
        [`/records/${rec}/allowed-actions`, '/records/999999/allowed-actions', rec, '999999'],
        [`/records/${rec}/attachments`, '/records/999999/attachments', rec, '999999'],
        [`/records/${rec}/attachments/${b.photo}`, `/records/999999/attachments/${b.photo}`, rec, '999999'],
        [`/alerts/${b.alert}`, '/alerts/999999', String(b.alert), '999999'],
        ['/devices/L-B', '/devices/L-nope', 'L-B', 'L-nope'],
        [
          '/devices/L-B/status-and-last-readings',
          '/devices/L-nope/status-and-last-readings',
          'L-B',
          'L-nope',
        ],
        [`/maintenance-windows/${b.window}`, '/maintenance-windows/999999', String(b.window), '999999'],
        [`/sites/${B}`, '/sites/nowhere', B, 'nowhere'],
        [`/sites/${B}/sla`, '/sites/nowhere/sla', B, 'nowhere'],
      ];
      for (const [theirs, missing, theirId, missingId] of pairs) {
        const res = await deskA('GET', theirs);
        const none = await deskA('GET', missing);
        expect([theirs, res.statusCode]).toEqual([theirs, 404]);
        expect(none.statusCode).toBe(404);
        expect(res.body).toBe(none.body.replaceAll(missingId, theirId));
      }
      // Its own site's are there.
      expect((await deskA('GET', `/records/${ids[A]!.record}`)).statusCode).toBe(200);
      expect((await deskA('GET', `/records/${ids[A]!.record}/attachments/${ids[A]!.photo}`)).statusCode).toBe(
        200,
      );
    });

    it("refuses changes to another site's entities and creating at another site", async () => {
      const b = ids[B]!;
      const note = await deskA('POST', `/records/${b.record}/actions/note`, { note: 'x' });
      expect(note.json().error.code).toBe('record-not-found');
      expect((await supA('POST', `/alerts/${b.alert}/actions/acknowledge`, {})).statusCode).toBe(404);
      expect(
        (await supA('PATCH', `/maintenance-windows/${b.window}`, { state: 'cancelled' })).statusCode,
      ).toBe(404);
      expect((await supA('PATCH', `/duty-shifts/${b.shift}`, {})).statusCode).toBe(404);
      expect((await supA('PATCH', `/staff/eng-${B}`, { name: 'x' })).json().error.code).toBe(
        'staff-not-found',
      );
      // A person of site A cannot give someone every site, or site B.
      expect((await supA('PATCH', `/staff/eng-${A}`, { sites: [A, B] })).statusCode).toBe(404);
      expect((await supA('POST', '/staff', { id: 'x1', name: 'X', roles: ['guard'] })).statusCode).toBe(403);
      const call = { source: 'call', type: 'repair', trade: 'engineering', content: 'leak' };
      const made = await deskA('POST', '/records', { ...call, site: B });
      expect(made.statusCode).toBe(404);
      expect(made.json().error).toEqual({ code: 'site-not-found', message: `site "${B}" does not exist` });
      // Joining another site's record by its id is the same as joining one that does not exist.
      const joined = await deskA('POST', '/records', { ...call, site: A, merge: b.record });
      expect(joined.json().error.code).toBe('record-not-found');
      expect((await deskA('POST', '/alerts', { site: B, code: 'intrusion' })).statusCode).toBe(404);
      expect((await deskA('POST', '/alerts', { deviceId: 'L-B', code: 'intrusion' })).statusCode).toBe(400);
      const window = {
        site: B,
        scope: 'site',
        startsAt: new Date(t.clock.t + 60_000).toISOString(),
        endsAt: new Date(t.clock.t + 120_000).toISOString(),
      };
      expect((await supA('POST', '/maintenance-windows', window)).statusCode).toBe(404);
      // Nothing of it was written.
      const listed = (await t.call(ADMIN, 'GET', `/records?site=${B}`)).json().items;
      expect(listed).toHaveLength(1);
      // At its own site it works.
      expect((await deskA('POST', '/records', { ...call, site: A })).statusCode).toBe(201);
    });

    it('keeps lists, stats, deadlines and merge candidates to its sites', async () => {
      const sitesOf = (items: { site: string }[]) => [...new Set(items.map((i) => i.site))];
      for (const url of ['/records', '/alerts', '/devices', '/maintenance-windows', '/duty-shifts']) {
        const res = await deskA('GET', url);
        expect([url, sitesOf(res.json().items)]).toEqual([url, [A]]);
      }
      expect((await deskA('GET', '/sites')).json().items.map((s: { id: string }) => s.id)).toEqual([A]);
      const staff = (await deskA('GET', '/staff')).json().items.map((s: { id: string }) => s.id);
      expect(staff).toContain(`eng-${A}`);
      expect(staff).toContain('desk-all'); // works every site, so site A too
      expect(staff).not.toContain(`eng-${B}`);
      // A named filter of another site is the 404 of a site that does not exist.
      const named = [
        `/records?site=${B}`,
        `/alerts?site=${B}`,
        `/devices?site=${B}`,
        `/deadlines?site=${B}`,
        `/records/merge-candidates?site=${B}&deviceId=L-B`,
        `/duty/now?site=${B}&trade=engineering`,
      ];
      for (const url of named) {
        const res = await deskA('GET', url);
        expect([url, res.statusCode, res.json().error?.code]).toEqual([url, 404, 'site-not-found']);
      }
      const stats = await mgrA('GET', `/stats?site=${B}&period=month&date=2025-03-03`);
      expect(stats.statusCode).toBe(404);
      expect((await mgrA('GET', `/stats?site=${A}&period=month&date=2025-03-03`)).statusCode).toBe(200);
      const breaches = `/breaches?site=${B}&from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z`;
      expect((await mgrA('GET', breaches)).statusCode).toBe(404);
      // The audit trail of phone numbers shown: only reads of its sites' records.
      await t.call(ADMIN, 'GET', `/records/${ids[B]!.record}`);
      await mgrA('GET', `/records/${ids[A]!.record}`);
      const reads = (await mgrA('GET', '/contact-reads')).json().items as { recordId: number }[];
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.every((r) => r.recordId !== ids[B]!.record)).toBe(true);
    });

    it('pages its records by keyset without gaps while the other site adds records between them', async () => {
      const call = { source: 'call', type: 'inquiry', trade: 'customer_service', content: 'q' };
      const mine: number[] = [];
      for (let i = 0; i < 3; i++) {
        const created = await t.call(ADMIN, 'POST', '/records', { ...call, site: A, merge: 'new' });
        mine.push(created.json().record.id);
        await t.call(ADMIN, 'POST', '/records', { ...call, site: B, merge: 'new' });
      }
      const seen: number[] = [];
      let cursor: number | null = null;
      do {
        const page: { items: { id: number; site: string }[]; nextCursor: number | null } = (
          await deskA('GET', `/records?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        ).json();
        expect(page.items.length).toBeGreaterThan(0); // a full page of A's, never one emptied by B's
        seen.push(...page.items.map((r) => r.id));
        expect(page.items.every((r) => r.site === A)).toBe(true);
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(expect.arrayContaining(mine));
      expect(seen).toContain(ids[A]!.record);
    });

    it('lets tokens and people of every site see both sites', async () => {
      for (const get of [
        (url: string) => t.call(deskToken, 'GET', url),
        (url: string) => deskAll('GET', url),
      ]) {
        expect((await get(`/records/${ids[B]!.record}`)).statusCode).toBe(200);
        expect((await get(`/alerts/${ids[B]!.alert}`)).statusCode).toBe(200);
        expect((await get('/devices/L-B')).statusCode).toBe(200);
        const sites = (await get('/records')).json().items.map((r: { site: string }) => r.site);
        expect(new Set(sites)).toEqual(new Set([A, B]));
        expect((await get('/sites')).json().items).toHaveLength(2);
      }
    });

    it("answers 404 for another site's record page in the console", async () => {
      const page = (id: number) => deskA('GET', `/desk/records/${id}`);
      expect((await page(ids[A]!.record)).statusCode).toBe(200);
      const theirs = await page(ids[B]!.record);
      const none = await page(999999);
      expect(theirs.statusCode).toBe(404);
      expect(theirs.body).toBe(none.body);
      expect((await deskA('GET', `/m/records/${ids[B]!.record}`)).statusCode).toBe(404);
      expect((await deskAll('GET', `/desk/records/${ids[B]!.record}`)).statusCode).toBe(200);
    });

    it('streams only changes of its sites', { timeout: 30_000 }, async () => {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = t.app.server.address() as { port: number };
      const signedIn = await signIn(t, 'desk-a', 'pw-desk-a-secret');
      let text = '';
      const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
        const req = httpRequest(
          `http://127.0.0.1:${port}/stream`,
          { headers: { cookie: signedIn.cookie } },
          resolve,
        );
        req.on('error', reject);
        req.end();
      });
      expect(res.statusCode).toBe(200);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      const call = { source: 'call', type: 'repair', trade: 'engineering', merge: 'new' };
      await t.call(ADMIN, 'POST', '/records', { ...call, site: B, content: 'theirs' });
      await t.call(ADMIN, 'POST', '/alerts', { site: B, code: 'intrusion' });
      await t.call(ADMIN, 'POST', '/records', { ...call, site: A, content: 'ours' });
      const deadline = Date.now() + 10_000;
      while (!text.includes('ours') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      res.destroy();
      expect(text).toContain('ours');
      expect(text).not.toContain(B);
    });
  });
}
