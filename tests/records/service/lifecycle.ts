/** Every path of the procedure on a fake clock: states, roles, history, rework, escalation, cancel. */
import { expect, it } from 'vitest';
import type { Actor } from '../../../src/records/service/index.ts';
import { desk, eng, eng2, type Harness, MIN, refusal, seedSite, sup } from './harness.ts';

type Step = [offsetMs: number, action: string, actor: Actor, payload?: Record<string, unknown>];

/** Runs actions at offsets from the record's creation. */
export async function walk(h: Harness, id: number, start: number, steps: Step[]) {
  for (const [offset, action, actor, payload] of steps) {
    h.clock.t = start + offset;
    await h.desk.transition(id, action, actor, payload);
  }
  return h.desk.getRecord(id);
}

export const PLAN = { durationMin: 30, impact: '停水30分钟', residentAgreed: true, feeCents: 0 };
export const DONE = { workMinutes: 25, materials: [{ name: '阀门', quantity: 1 }], feeCents: 5000 };
export const HAPPY: Step[] = [
  [30_000, 'dispatch', desk],
  [40_000, 'acknowledge', eng],
  [5 * MIN, 'arrive', eng],
  [6 * MIN, 'plan', eng, PLAN],
  [6.5 * MIN, 'start', eng],
  [30 * MIN, 'complete', eng, DONE],
  [31 * MIN, 'accept', eng, { acceptedBy: '业主王先生' }],
  [40 * MIN, 'visit', desk, { fixed: true, satisfied: true, chargesOk: true }],
];

export const call = (site: string, extra: Record<string, unknown> = {}) => ({
  site,
  source: 'call' as const,
  type: 'repair' as const,
  trade: 'engineering' as const,
  content: '厨房水管漏水',
  building: 'B1',
  floor: 12,
  unit: '1203',
  contactName: '王先生',
  contactPhone: '13900000000',
  ...extra,
});

export function lifecycleTests(get: () => Harness) {
  it('walks a call from received to closed, on time, with the whole history kept', async () => {
    const h = get();
    await seedSite(h, 'lc-happy');
    h.at('2025-03-10T02:00:00Z'); // 10:00 Shanghai: eng-1's day shift
    const start = h.clock.t;
    const { record, merged } = await h.desk.createRecord(call('lc-happy'), desk);
    expect(merged).toBe(false);
    expect(record).toMatchObject({
      state: 'received',
      ownerId: 'desk-1',
      title: '厨房水管漏水',
      priority: 'normal',
    });
    const done = await walk(h, record.id, start, HAPPY);
    expect(done.state).toBe('closed');
    expect(done.assigneeId).toBe('eng-1'); // from the duty table
    expect(done).toMatchObject({
      workMinutes: 25,
      feeCents: 5000,
      acceptedBy: '业主王先生',
      visitSatisfied: true,
    });
    expect(done.history.map((e) => [e.action, e.from, e.to])).toEqual([
      ['create', null, 'received'],
      ['dispatch', 'received', 'dispatched'],
      ['acknowledge', 'dispatched', 'acknowledged'],
      ['arrive', 'acknowledged', 'on_site'],
      ['plan', 'on_site', 'planned'],
      ['start', 'planned', 'in_progress'],
      ['complete', 'in_progress', 'awaiting_acceptance'],
      ['accept', 'awaiting_acceptance', 'return_visit'],
      ['visit', 'return_visit', 'closed'],
    ]);
    expect(done.history[2]).toMatchObject({ actorId: 'eng-1', actorRole: 'engineer' });
    expect(done.history[2]!.at.toISOString()).toBe(new Date(start + 40_000).toISOString());
    expect(done.deadlines.every((d) => d.metAt && !d.breachedAt)).toBe(true);
    expect(done.deadlines.map((d) => d.step).sort()).toEqual([
      'acknowledge',
      'dispatch',
      'on_site',
      'plan',
      'record',
    ]);
    h.advance(48 * 60 * MIN);
    expect((await h.desk.tick()).filter((b) => b.subjectId === record.id)).toEqual([]);
  });

  it('refuses illegal transitions (409) and wrong roles or people (403)', async () => {
    const h = get();
    await seedSite(h, 'lc-refuse');
    h.at('2025-03-10T02:00:00Z');
    const { record } = await h.desk.createRecord(call('lc-refuse'), desk);
    const id = record.id;
    expect((await refusal(h.desk.transition(id, 'complete', eng, DONE))).code).toBe('illegal-transition');
    expect((await refusal(h.desk.transition(id, 'teleport', desk))).code).toBe('illegal-transition');
    expect((await refusal(h.desk.transition(id, 'dispatch', eng))).code).toBe('forbidden');
    expect((await refusal(h.desk.transition(id, 'dispatch', desk, { assigneeId: 'ghost' }))).code).toBe(
      'staff-not-found',
    );
    await h.desk.transition(id, 'dispatch', desk, { assigneeId: 'eng-1' });
    expect((await refusal(h.desk.transition(id, 'acknowledge', desk))).code).toBe('forbidden');
    expect((await refusal(h.desk.transition(id, 'acknowledge', eng2))).code).toBe('forbidden');
    // Only emergencies go first and sign later.
    expect((await refusal(h.desk.transition(id, 'arrive', eng))).code).toBe('illegal-transition');
    await h.desk.transition(id, 'acknowledge', sup); // a supervisor may act for the assignee
    await h.desk.transition(id, 'arrive', eng);
    expect((await refusal(h.desk.transition(id, 'escalate', eng2))).code).toBe('forbidden');
    expect((await refusal(h.desk.transition(id, 'plan', eng, { durationMin: 5 }))).code).toBe(
      'invalid-input',
    );
    await h.desk.transition(id, 'cancel', desk, { reason: 'mistake' });
    expect((await refusal(h.desk.transition(id, 'note', desk, { note: 'x' }))).code).toBe(
      'illegal-transition',
    );
    expect((await refusal(h.desk.transition(999_999, 'note', desk, { note: 'x' }))).code).toBe(
      'record-not-found',
    );
  });

  it('concurrent actions cannot both take the same step', async () => {
    const h = get();
    await seedSite(h, 'lc-race');
    h.at('2025-03-10T02:00:00Z');
    const { record } = await h.desk.createRecord(call('lc-race'), desk);
    await h.desk.transition(record.id, 'dispatch', desk, { assigneeId: 'eng-1' });
    const results = await Promise.allSettled([
      h.desk.transition(record.id, 'acknowledge', eng),
      h.desk.transition(record.id, 'acknowledge', sup),
      h.desk.transition(record.id, 'acknowledge', eng),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const detail = await h.desk.getRecord(record.id);
    expect(detail.history.filter((e) => e.action === 'acknowledge')).toHaveLength(1);
  });

  it('a failed acceptance and an unfixed return visit send the job back as rework', async () => {
    const h = get();
    await seedSite(h, 'lc-rework');
    h.at('2025-03-10T02:00:00Z');
    const start = h.clock.t;
    const { record } = await h.desk.createRecord(call('lc-rework'), desk);
    const r = await walk(h, record.id, start, [
      ...HAPPY.slice(0, 6),
      [31 * MIN, 'reject', eng, { note: '仍有渗水' }],
      [40 * MIN, 'complete', eng, DONE],
      [41 * MIN, 'accept', eng, { acceptedBy: '王先生' }],
      [50 * MIN, 'visit', desk, { fixed: false, satisfied: false, chargesOk: true, note: '又漏了' }],
    ]);
    expect(r).toMatchObject({ state: 'in_progress', reworkCount: 2 });
    expect(
      r.history.filter((e) => e.from === 'awaiting_acceptance' || e.from === 'return_visit').map((e) => e.to),
    ).toEqual(['in_progress', 'return_visit', 'in_progress']);
  });

  it('escalates to the trade supervisor when stuck, automatically after 5 min, then to the managers the same night', async () => {
    const h = get();
    await seedSite(h, 'lc-esc');
    h.at('2025-03-10T02:00:00Z'); // 10:00 local
    const start = h.clock.t;
    const { record } = await h.desk.createRecord(call('lc-esc'), desk);
    await walk(h, record.id, start, [
      ...HAPPY.slice(0, 5),
      [8 * MIN, 'block', eng, { note: '需要更换主阀，缺配件' }],
    ]);
    h.clock.t = start + 13 * MIN - 1;
    expect((await h.desk.tick()).filter((b) => b.subjectId === record.id)).toEqual([]);
    h.events.length = 0;
    h.clock.t = start + 13 * MIN;
    const breaches = await h.desk.tick();
    expect(breaches.map((b) => [b.subjectId, b.step])).toEqual([[record.id, 'escalate']]);
    const breachEvent = h.events.find((e) => e.type === 'breach');
    expect(breachEvent).toMatchObject({ type: 'breach', notify: ['sup-eng'] });
    let r = await h.desk.getRecord(record.id);
    expect(r).toMatchObject({ state: 'escalated', escalationLevel: 1 });
    expect(r.history.at(-1)).toMatchObject({ action: 'escalate', actorId: 'sla-clock', from: 'in_progress' });
    for (let i = 0; i < 3; i++) expect(await h.desk.tick()).toEqual([]);
    // Not solved the same day (midnight Shanghai is 16:00 UTC): to the managers' meeting.
    h.at('2025-03-10T15:59:59Z');
    expect((await h.desk.tick()).filter((b) => b.subjectId === record.id)).toEqual([]);
    h.at('2025-03-10T16:00:00Z');
    const night = (await h.desk.tick()).filter((b) => b.subjectId === record.id);
    expect(night.map((b) => b.step)).toEqual(['same_day']);
    expect(h.events.filter((e) => e.type === 'breach').at(-1)).toMatchObject({
      notify: ['sup-eng', 'mgr-1'],
    });
    r = await h.desk.getRecord(record.id);
    expect(r.escalationLevel).toBe(2);
    expect((await refusal(h.desk.transition(record.id, 'escalate', sup))).code).toBe('illegal-transition');
    h.advance(60 * MIN);
    expect((await h.desk.tick()).filter((b) => b.subjectId === record.id)).toEqual([]);
    await h.desk.transition(record.id, 'resume', eng, { note: '配件到了' });
    await h.desk.transition(record.id, 'complete', eng, DONE);
    r = await h.desk.getRecord(record.id);
    expect(r.history.filter((e) => e.action === 'breach').map((e) => e.note?.split(' ')[0])).toEqual([
      'escalate',
      'same_day',
    ]);
  });

  it('cancels a duplicate with its reason, keeps it, and voids its deadlines', async () => {
    const h = get();
    await seedSite(h, 'lc-cancel');
    h.at('2025-03-10T02:00:00Z');
    const { record } = await h.desk.createRecord(
      call('lc-cancel', { type: 'complaint', trade: 'customer_service' }),
      desk,
    );
    h.advance(MIN);
    const r = await h.desk.transition(record.id, 'cancel', desk, { reason: 'duplicate', note: '同一来电' });
    expect(r).toMatchObject({ state: 'cancelled', cancelReason: 'duplicate' });
    h.advance(48 * 60 * MIN);
    expect((await h.desk.tick()).filter((b) => b.subjectId === record.id)).toEqual([]);
    const d = await h.desk.getRecord(record.id);
    expect(d.deadlines.filter((x) => x.step !== 'record').every((x) => x.voidAt && !x.breachedAt)).toBe(true);
    expect(
      (await h.desk.listRecords({ site: 'lc-cancel', state: ['cancelled'] })).records.map((x) => x.id),
    ).toEqual([record.id]);
  });

  it('reclassifies (counted), reassigns, and lists with filters and paging', async () => {
    const h = get();
    await seedSite(h, 'lc-list');
    h.at('2025-03-10T02:00:00Z');
    const ids: number[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await h.desk.createRecord(call('lc-list', { content: `报修 ${i}` }), desk)).record.id);
    const r = await h.desk.transition(ids[0]!, 'reclassify', desk, {
      trade: 'cleaning',
      type: 'help',
      note: '实为清洁',
    });
    expect(r).toMatchObject({ trade: 'cleaning', type: 'help', reclassifiedCount: 1 });
    await h.desk.transition(ids[1]!, 'dispatch', desk, { assigneeId: 'eng-1' });
    const re = await h.desk.transition(ids[1]!, 'reassign', desk, { assigneeId: 'eng-2', note: '张工请假' });
    expect(re).toMatchObject({ state: 'dispatched', assigneeId: 'eng-2' });
    const page1 = await h.desk.listRecords({ site: 'lc-list', open: true, limit: 2 });
    expect(page1.records.map((x) => x.id)).toEqual([ids[4], ids[3]]);
    const page2 = await h.desk.listRecords({
      site: 'lc-list',
      open: true,
      limit: 2,
      cursor: page1.nextCursor!,
    });
    const page3 = await h.desk.listRecords({
      site: 'lc-list',
      open: true,
      limit: 2,
      cursor: page2.nextCursor!,
    });
    expect([...page2.records, ...page3.records].map((x) => x.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(page3.nextCursor).toBeNull();
    expect(
      (await h.desk.listRecords({ site: 'lc-list', assignee: 'eng-2' })).records.map((x) => x.id),
    ).toEqual([ids[1]]);
    expect((await h.desk.listRecords({ site: 'lc-list', trade: 'cleaning' })).records).toHaveLength(1);
    expect(
      (await h.desk.listRecords({ site: 'lc-list', state: ['received'], priority: 'normal' })).records,
    ).toHaveLength(4);
    expect((await refusal(h.desk.listRecords({ limit: 0 }))).code).toBe('invalid-input');
  });
}
