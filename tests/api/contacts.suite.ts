/**
 * Residents' contacts (PIPL: only who needs them, and a trail of who read them): the front desk,
 * supervisors and managers see numbers in full; an engineer or guard only on a record assigned to
 * them, or whose patrol alert they hold; everyone else, and lists for everyone else, 138****1234.
 */
import { type IncomingMessage, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, openTestApi, type TestApi } from './support.ts';

const PHONE = '138 0013 1234';
const MASKED = '138****1234';

export function contactsApiSuite(name: string, databaseUrl: () => string | undefined) {
  describe(`residents' contacts over the API on ${name}`, () => {
    let t: TestApi;
    const tokens: Record<string, string> = {};
    let id: number;
    let other: number;

    beforeAll(async () => {
      t = await openTestApi({ databaseUrl: databaseUrl() });
      await t.call(ADMIN, 'POST', '/sites', { id: 'estate-1', name: '一号小区' });
      await t.call(ADMIN, 'POST', '/sites/estate-1/buildings', { id: 'T3', name: 'Tower 3', floors: 18 });
      await t.call(ADMIN, 'POST', '/devices', {
        id: 'cam-1',
        site: 'estate-1',
        kind: 'cctv',
        building: 'T3',
      });
      await t.desk!.addStaff({ id: 'eng-li', name: 'Li', roles: ['engineer'], trades: ['engineering'] });
      await t.desk!.addStaff({ id: 'eng-wu', name: 'Wu', roles: ['engineer'], trades: ['engineering'] });
      await t.desk!.addStaff({ id: 'guard-ma', name: 'Ma', roles: ['guard'], trades: ['security'] });
      const people: [string, string][] = [
        ['desk-wang', 'front_desk'],
        ['sup-zhou', 'supervisor'],
        ['mgr-qian', 'manager'],
        ['eng-li', 'engineer'],
        ['eng-wu', 'engineer'],
        ['guard-ma', 'guard'],
        ['admin-2', 'admin'],
      ];
      for (const [user, role] of people) tokens[user] = await t.token([role], user);
      const call = {
        site: 'estate-1',
        source: 'call',
        type: 'repair',
        trade: 'engineering',
        content: 'Water leaking from the ceiling',
        building: 'T3',
        floor: 7,
        unit: '701',
        contactName: 'Ms Zhao',
        contactPhone: PHONE,
      };
      const created = await t.call(tokens['desk-wang'], 'POST', '/records', call);
      id = created.json().record.id;
      await t.call(tokens['desk-wang'], 'POST', `/records/${id}/actions/dispatch`, { assigneeId: 'eng-li' });
      const second = await t.call(tokens['desk-wang'], 'POST', '/records', {
        ...call,
        unit: '702',
        merge: 'new',
        contactName: 'Mr Sun',
        contactPhone: '139 0000 5678',
      });
      other = second.json().record.id;
    });
    afterAll(async () => t?.close());

    const read = async (user: string, url = `/records/${id}`) => {
      const res = await t.call(tokens[user], 'GET', url);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const listed = async (user: string) =>
      ((await read(user, '/records?site=estate-1')).items as { id: number; contactPhone: string }[]).find(
        (r) => r.id === id,
      )!;

    it('shows the full number to the front desk, supervisors and managers, in lists and on the record', async () => {
      for (const user of ['desk-wang', 'sup-zhou', 'mgr-qian']) {
        expect((await read(user)).contactPhone, user).toBe(PHONE);
        expect((await listed(user)).contactPhone, user).toBe(PHONE);
      }
    });

    it('shows it to an engineer only on the record assigned to them, never in lists', async () => {
      const mine = await read('eng-li');
      expect([mine.contactName, mine.contactPhone]).toEqual(['Ms Zhao', PHONE]);
      expect((await listed('eng-li')).contactPhone).toBe(MASKED);
      const notMine = await read('eng-wu');
      expect(notMine.contactPhone).toBe(MASKED);
      expect(notMine.contactName).not.toBe('Ms Zhao');
      expect((await read('eng-li', `/records/${other}`)).contactPhone).toBe('139****5678');
      const acted = await t.call(tokens['eng-li'], 'POST', `/records/${id}/actions/acknowledge`);
      expect(acted.json().contactPhone).toBe(PHONE);
    });

    it('shows it to a guard only while they hold a patrol alert on the record', async () => {
      expect((await read('guard-ma')).contactPhone).toBe(MASKED);
      const alert = await t.desk!.raisePatrolAlert({ deviceId: 'cam-1', recordId: id, code: 'tamper' });
      expect((await read('guard-ma')).contactPhone).toBe(MASKED); // raised, nobody holds it yet
      await t.call(tokens['guard-ma'], 'POST', `/alerts/${alert.id}/actions/acknowledge`);
      expect((await read('guard-ma')).contactPhone).toBe(PHONE);
      await t.call(tokens['guard-ma'], 'POST', `/alerts/${alert.id}/actions/arrive`);
      await t.call(tokens['guard-ma'], 'POST', `/alerts/${alert.id}/actions/resolve`, { note: 'door shut' });
      expect((await read('guard-ma')).contactPhone).toBe(MASKED);
    });

    it('masks everyone else, linked callers and merge candidates included', async () => {
      expect((await read('admin-2')).contactPhone).toBe(MASKED);
      expect((await listed('admin-2')).contactPhone).toBe(MASKED);
      const merged = await t.call(tokens['desk-wang'], 'POST', '/records', {
        site: 'estate-1',
        source: 'call',
        type: 'repair',
        trade: 'engineering',
        content: 'Same leak, from the neighbour',
        contactName: 'Mrs Qian',
        contactPhone: '+86 137 0000 4321',
        merge: id,
      });
      expect(merged.statusCode, merged.body).toBe(200);
      const detail = await read('eng-wu');
      expect(detail.reports.map((r: { contactPhone: string }) => r.contactPhone)).toEqual(['137****4321']);
      expect(JSON.stringify(detail.history)).not.toContain('4321');
      const candidates = await read('admin-2', '/records/merge-candidates?site=estate-1&building=T3&floor=7');
      expect(
        candidates.items.map((c: { record: { contactPhone: string } }) => c.record.contactPhone),
      ).toEqual(['139****5678', MASKED]);
    });

    it('streams records as lists show them: in full to the desk (audited), masked to an engineer', async () => {
      const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const texts: Record<string, string> = { 'desk-wang': '', 'eng-li': '' };
      const streams: IncomingMessage[] = [];
      for (const user of Object.keys(texts)) {
        const res = await new Promise<IncomingMessage>((resolve, reject) => {
          const req = request(
            `${address}/stream?site=estate-1`,
            { headers: { authorization: `Bearer ${tokens[user]}` } },
            resolve,
          );
          req.on('error', reject);
          req.end();
        });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          texts[user] += chunk;
        });
        streams.push(res);
      }
      const deadline = Date.now() + 5000;
      while (!Object.values(texts).every((x) => x.includes(': connected')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      await t.call(tokens['desk-wang'], 'POST', `/records/${other}/actions/note`, { note: 'called back' });
      while (!Object.values(texts).every((x) => x.includes('event: record')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      for (const s of streams) s.destroy();
      expect(texts['desk-wang']).toContain('139 0000 5678');
      expect(texts['eng-li']).toContain('139****5678');
      expect(texts['eng-li']).not.toContain('0000 5678');
      const trail = await t.desk!.listContactReads({ record: other, actor: 'desk-wang' });
      expect(trail.reads.map((r) => r.via)).toContain('stream');
    });

    it('keeps an audit trail of every full-number read, for managers and admins', async () => {
      const trail = await t.call(tokens['mgr-qian'], 'GET', `/contact-reads?record=${id}`);
      expect(trail.statusCode, trail.body).toBe(200);
      const rows = trail.json().items as {
        actorId: string;
        actorRole: string;
        via: string;
        recordId: number;
      }[];
      const who = new Set(rows.map((r) => `${r.actorId} ${r.via}`));
      for (const entry of ['desk-wang list', 'desk-wang record', 'eng-li record', 'guard-ma record'])
        expect(who, entry).toContain(entry);
      expect(rows.some((r) => r.actorId === 'eng-wu' || r.actorId === 'admin-2')).toBe(false);
      expect(rows.every((r) => r.recordId === id)).toBe(true);
      expect((await t.call(tokens['desk-wang'], 'GET', '/contact-reads')).statusCode).toBe(403);
      expect((await t.call(tokens['admin-2'], 'GET', '/contact-reads?actor=eng-li')).statusCode).toBe(200);
    });
  });
}
