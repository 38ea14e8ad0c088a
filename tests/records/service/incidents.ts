/** Site incidents kept by the desk: opened once with one record, grown, ended once, all by key. */
import { expect, it } from 'vitest';
import { TEXT_MAX } from '../../../src/records/service/index.ts';
import { desk, type Harness, MIN, seedSite } from './harness.ts';

const SECRET = 'test-secret-0123456789';
const RULES = { id: 'rules', role: 'service' } as const;

/** A new site with an incident of no members yet, opened at 02:00Z. */
async function openBare(h: Harness, site: string) {
  await seedSite(h, site);
  h.at('2025-03-10T02:00:00Z');
  const key = `storm/${site}/1`;
  const opened = await h.desk.openSiteIncident(
    {
      site,
      key,
      openedAt: new Date(h.clock.t),
      devices: [],
      record: { title: 'storm', content: `[${key}]` },
    },
    RULES,
  );
  return { key, opened };
}

export function incidentTests(get: () => Harness) {
  it('opens a site incident with one urgent record, and a repeat finds both again', async () => {
    const h = get();
    await seedSite(h, 'inc-open');
    h.at('2025-03-10T00:00:00Z');
    for (const id of ['inc-a', 'inc-b'])
      await h.records.addDevice({ id, site: 'inc-open', kind: 'pump', secret: SECRET });
    h.at('2025-03-10T02:00:00Z');
    const input = {
      site: 'inc-open',
      key: 'storm/inc-open/1',
      openedAt: new Date(h.clock.t),
      devices: ['inc-a', 'inc-b'],
      record: { title: '2 devices down', content: 'inc-a, inc-b [storm/inc-open/1]' },
    };
    const before = h.events.length;
    const first = await h.desk.openSiteIncident(input, RULES);
    expect(first.created).toBe(true);
    const repeat = await Promise.all([
      h.desk.openSiteIncident(input, RULES),
      h.desk.openSiteIncident(input, RULES),
    ]);
    expect(repeat.map((r) => [r.id, r.recordId, r.created])).toEqual([
      [first.id, first.recordId, false],
      [first.id, first.recordId, false],
    ]);
    expect(h.events.slice(before).filter((e) => e.type === 'record')).toHaveLength(1);
    const record = await h.desk.getRecord(first.recordId);
    expect(record).toMatchObject({
      site: 'inc-open',
      priority: 'urgent',
      trade: 'engineering',
      state: 'received',
      title: '2 devices down',
    });
    const open = await h.desk.listRecords({ site: 'inc-open', open: true });
    expect(open.records.map((r) => r.id)).toEqual([first.recordId]);
  });

  it('grows and ends an incident with a note each, ends it once, and counts members as downtime', async () => {
    const h = get();
    await seedSite(h, 'inc-life');
    h.at('2025-03-10T00:00:00Z');
    for (const id of ['inc-c', 'inc-d', 'inc-e'])
      await h.records.addDevice({ id, site: 'inc-life', kind: 'pump', secret: SECRET });
    const t0 = Date.parse('2025-03-10T02:00:00Z');
    h.clock.t = t0;
    const key = 'storm/inc-life/1';
    const opened = await h.desk.openSiteIncident(
      {
        site: 'inc-life',
        key,
        openedAt: new Date(t0),
        devices: ['inc-c', 'inc-d'],
        spans: [
          { device: 'inc-c', from: new Date(t0) },
          { device: 'inc-d', from: new Date(t0) },
        ],
        record: { title: 'storm', content: `inc-c, inc-d [${key}]` },
      },
      RULES,
    );
    h.clock.t = t0 + 5 * MIN;
    await h.desk.growSiteIncident(
      key,
      {
        devices: ['inc-c', 'inc-d', 'inc-e'],
        spans: [{ device: 'inc-e', from: new Date(t0 + 5 * MIN) }],
        note: 'now 3 down',
      },
      RULES,
    );
    h.clock.t = t0 + 20 * MIN;
    const end = {
      at: new Date(t0 + 20 * MIN),
      spans: ['inc-c', 'inc-d', 'inc-e'].map((device, i) => ({
        device,
        from: new Date(t0 + (i === 2 ? 5 : 0) * MIN),
        to: new Date(t0 + 20 * MIN),
      })),
      note: 'all back',
    };
    expect(await h.desk.endSiteIncident(key, end, RULES)).toBe(true);
    expect(await h.desk.endSiteIncident(key, end, RULES)).toBe(false);
    const detail = await h.desk.getRecord(opened.recordId);
    expect(detail.history.filter((e) => e.action === 'note').map((e) => e.note)).toEqual([
      'now 3 down',
      'all back',
    ]);
    // Down 20 + 20 + 15 minutes of three devices' 16 hours (00:00Z-16:00Z).
    h.at('2025-03-10T16:00:00Z');
    const day = await h.desk.stats({ site: 'inc-life', period: 'day', date: '2025-03-10' });
    expect(day.rates.equipmentIntact).toMatchObject({
      numerator: 3 * 57_600 - 55 * 60,
      denominator: 3 * 57_600,
    });
  });

  it('notes nothing on a record closed meanwhile, and refuses to grow an incident it never opened', async () => {
    const h = get();
    const { key, opened } = await openBare(h, 'inc-closed');
    await h.desk.transition(opened.recordId, 'cancel', desk, { reason: 'duplicate' });
    expect(await h.desk.endSiteIncident(key, { at: new Date(h.clock.t), note: 'back' }, RULES)).toBe(true);
    const detail = await h.desk.getRecord(opened.recordId);
    expect(detail.history.map((e) => e.action)).not.toContain('note');
    await expect(
      h.desk.growSiteIncident('storm/none', { devices: [], note: 'x' }, RULES),
    ).rejects.toMatchObject({ code: 'record-not-found' });
  });

  it('refuses a note longer than a record takes, instead of dropping it as if the record were closed', async () => {
    const h = get();
    const { key, opened } = await openBare(h, 'inc-long');
    await expect(
      h.desk.growSiteIncident(key, { devices: [], note: 'x'.repeat(TEXT_MAX.note + 1) }, RULES),
    ).rejects.toMatchObject({ code: 'invalid-input' });
    const detail = await h.desk.getRecord(opened.recordId);
    expect(detail.history.map((e) => e.action)).not.toContain('note');
  });
}
