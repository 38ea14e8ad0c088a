/** The SLA clock: each deadline breaches once however often the watcher ticks; appointments; emergencies; overrides. */
import { expect, it } from 'vitest';
import type { Breach, DeskEvent } from '../../../src/records/service/index.ts';
import { desk, eng, type Harness, MIN, seedSite, sup } from './harness.ts';
import { call, PLAN } from './lifecycle.ts';

const S = 1000;

async function tickThrice(h: Harness, id: number): Promise<string[]> {
  const out: Breach[] = [];
  for (let i = 0; i < 3; i++) out.push(...(await h.desk.tick()));
  return out.filter((b) => b.subject === 'record' && b.subjectId === id).map((b) => b.step);
}

const breachSteps = (events: DeskEvent[], id: number) =>
  events.flatMap((e) =>
    e.type === 'breach' && e.breach.subjectId === id && e.breach.subject === 'record' ? [e.breach.step] : [],
  );

export function clockTests(get: () => Harness) {
  it('records each step breach exactly once, from the watcher or from a late action', async () => {
    const h = get();
    await seedSite(h, 'ck-once');
    h.at('2025-03-10T02:00:00Z'); // 10:00 local
    const t0 = h.clock.t;
    const at = (ms: number) => {
      h.clock.t = t0 + ms;
    };
    h.events.length = 0;
    // Entered 90 s after the call rang: the 1-minute recording limit is breached at once.
    const { record } = await h.desk.createRecord(
      call('ck-once', { type: 'complaint', receivedAt: new Date(t0 - 90 * S) }),
      desk,
    );
    const id = record.id;
    const r0 = t0 - 90 * S;
    expect(breachSteps(h.events, id)).toEqual(['record']);
    h.clock.t = r0 + 2 * MIN - 1;
    expect(await tickThrice(h, id)).toEqual([]);
    h.clock.t = r0 + 2 * MIN;
    expect(await tickThrice(h, id)).toEqual(['dispatch']);
    at(1 * MIN);
    await h.desk.transition(id, 'dispatch', desk, { assigneeId: 'eng-1' }); // late, already recorded
    at(2 * MIN);
    expect(await tickThrice(h, id)).toEqual(['acknowledge']);
    at(11 * MIN);
    expect(await tickThrice(h, id)).toEqual(['on_site']);
    h.clock.t = r0 + 15 * MIN;
    expect(await tickThrice(h, id)).toEqual(['complaint_answer']);
    at(16 * MIN);
    await h.desk.transition(id, 'acknowledge', eng);
    await h.desk.transition(id, 'arrive', eng);
    // No tick between the plan deadline (19 min) and the plan: the late action records the breach.
    at(20 * MIN);
    await h.desk.transition(id, 'plan', eng, PLAN);
    expect(breachSteps(h.events, id).at(-1)).toBe('plan');
    expect(await tickThrice(h, id)).toEqual([]);
    at(21 * MIN);
    await h.desk.transition(id, 'start', eng);
    await h.desk.transition(id, 'block', eng, { note: '需停水，业主不同意' });
    at(26 * MIN);
    expect(await tickThrice(h, id)).toEqual(['escalate']);
    h.at('2025-03-10T16:00:00Z');
    expect(await tickThrice(h, id)).toEqual(['same_day']);
    h.clock.t = r0 + 24 * 60 * MIN;
    expect(await tickThrice(h, id)).toEqual(['complaint_result']);
    h.advance(7 * 24 * 60 * MIN);
    expect(await tickThrice(h, id)).toEqual([]);
    const all = [
      'record',
      'dispatch',
      'acknowledge',
      'on_site',
      'complaint_answer',
      'plan',
      'escalate',
      'same_day',
      'complaint_result',
    ];
    expect(breachSteps(h.events, id)).toEqual(all);
    const d = await h.desk.getRecord(id);
    expect(d.history.filter((e) => e.action === 'breach')).toHaveLength(all.length);
    expect(
      d.deadlines
        .filter((x) => x.breachedAt)
        .map((x) => x.step)
        .sort(),
    ).toEqual([...all].sort());
    expect(d.escalationLevel).toBe(2);
  });

  it('times appointments: call 15 min before, arrive 3-5 min early', async () => {
    const h = get();
    await seedSite(h, 'ck-appt');
    h.at('2025-03-10T02:00:00Z');
    const appt = Date.parse('2025-03-10T04:00:00Z');
    const good = (await h.desk.createRecord(call('ck-appt', { appointmentAt: new Date(appt) }), desk)).record;
    const late = (
      await h.desk.createRecord(
        call('ck-appt', { appointmentAt: '2025-03-10T04:00:00+00:00', unit: '0101' }),
        desk,
      )
    ).record;
    expect(late.appointmentAt?.toISOString()).toBe('2025-03-10T04:00:00.000Z');
    h.advance(MIN);
    for (const r of [good, late]) {
      await h.desk.transition(r.id, 'dispatch', desk);
      await h.desk.transition(r.id, 'acknowledge', eng);
    }
    h.clock.t = appt - 16 * MIN;
    await h.desk.transition(good.id, 'call_resident', eng, { note: '已电话确认' });
    h.clock.t = appt - 15 * MIN;
    const ticked = [...(await h.desk.tick()), ...(await h.desk.tick()), ...(await h.desk.tick())];
    expect(ticked.filter((b) => b.subjectId === good.id)).toEqual([]);
    expect(ticked.filter((b) => b.subjectId === late.id).map((b) => b.step)).toEqual(['appointment_call']);
    h.clock.t = appt - 5 * MIN; // 5 min early: on time
    await h.desk.transition(good.id, 'arrive', eng);
    h.clock.t = appt - 2 * MIN; // only 2 min early: late for an appointment
    await h.desk.transition(late.id, 'arrive', eng);
    await h.desk.transition(good.id, 'plan', eng, PLAN);
    const g = await h.desk.getRecord(good.id);
    expect(g.deadlines.map((d) => [d.step, d.dueAt.toISOString(), d.breachedAt !== null])).toEqual([
      ['record', '2025-03-10T02:01:00.000Z', false],
      ['dispatch', '2025-03-10T02:02:00.000Z', false],
      ['acknowledge', '2025-03-10T02:02:00.000Z', false],
      ['appointment_call', '2025-03-10T03:45:00.000Z', false],
      ['on_site', '2025-03-10T03:57:00.000Z', false],
      ['plan', '2025-03-10T03:58:00.000Z', false],
    ]);
    const l = await h.desk.getRecord(late.id);
    expect(l.deadlines.filter((d) => d.breachedAt).map((d) => d.step)).toEqual([
      'appointment_call',
      'on_site',
    ]);
  });

  it('relays emergencies within 90 s; the assignee goes first and signs later', async () => {
    const h = get();
    await seedSite(h, 'ck-emerg');
    h.at('2025-03-10T13:00:00Z'); // 21:00 local: eng-2's night shift
    const t0 = h.clock.t;
    const { record } = await h.desk.createRecord(
      call('ck-emerg', { priority: 'emergency', content: '电梯困人' }),
      desk,
    );
    h.clock.t = t0 + 90 * S - 1;
    expect(await tickThrice(h, record.id)).toEqual([]);
    h.clock.t = t0 + 90 * S;
    expect(await tickThrice(h, record.id)).toEqual(['dispatch']);
    const d = await h.desk.transition(record.id, 'dispatch', desk);
    expect(d.assigneeId).toBe('eng-2');
    h.clock.t = t0 + 4 * MIN;
    const r = await h.desk.transition(record.id, 'arrive', { id: 'eng-2', role: 'engineer' });
    expect(r).toMatchObject({ state: 'on_site' });
    expect(r.acknowledgedAt?.getTime()).toBe(t0 + 4 * MIN);
    const detail = await h.desk.getRecord(record.id);
    const onSite = detail.deadlines.find((x) => x.step === 'on_site')!;
    expect(onSite.dueAt.getTime()).toBe(t0 + 90 * S + 5 * MIN); // twice as fast: 5 min
    expect(detail.deadlines.find((x) => x.step === 'acknowledge')).toBeUndefined();
    expect(detail.deadlines.every((x) => !x.breachedAt || x.step === 'dispatch')).toBe(true);
  });

  it('takes limits from overrides: site and type, site, service-wide, default', async () => {
    const h = get();
    await seedSite(h, 'ck-ovr');
    await seedSite(h, 'ck-ovr2');
    await h.desk.setDeadline({ site: 'ck-ovr', step: 'dispatch', limitMs: 4 * MIN });
    await h.desk.setDeadline({ site: 'ck-ovr', type: 'repair', step: 'dispatch', limitMs: 5 * MIN });
    await h.desk.setDeadline({ site: 'ck-ovr', type: 'repair', step: 'dispatch', limitMs: 6 * MIN }); // replaces
    const strict = h.another({ deadlines: { dispatch: 3 * MIN }, lang: 'en' });
    h.at('2025-03-10T02:00:00Z');
    const due = async (site: string, type: 'repair' | 'help', d = h.desk) => {
      const { record } = await d.createRecord(call(site, { type, merge: 'new' }), desk);
      const x = await h.desk.getRecord(record.id);
      return (x.deadlines.find((y) => y.step === 'dispatch')!.dueAt.getTime() - h.clock.t) / MIN;
    };
    expect(await due('ck-ovr', 'repair')).toBe(6);
    expect(await due('ck-ovr', 'help')).toBe(4);
    expect(await due('ck-ovr2', 'repair')).toBe(2);
    expect(await due('ck-ovr2', 'repair', strict)).toBe(3);
    expect(await due('ck-ovr', 'help', strict)).toBe(4);
  });

  it('start() ticks on its own timer until stop()', async () => {
    const h = get();
    await seedSite(h, 'ck-timer');
    h.at('2025-03-10T02:00:00Z');
    const { record } = await h.desk.createRecord(call('ck-timer'), desk);
    h.advance(3 * MIN);
    const watcher = h.another({ watchIntervalMs: 10 });
    const seen = new Promise<Breach>((resolve) =>
      watcher.onChange((e) => {
        if (e.type === 'breach' && e.breach.subjectId === record.id) resolve(e.breach);
      }),
    );
    await watcher.start();
    expect((await seen).step).toBe('dispatch');
    await watcher.stop();
    await h.desk.transition(record.id, 'dispatch', sup, { assigneeId: 'eng-1' });
  });
}
