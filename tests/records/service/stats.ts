/**
 * Statistics on a fixed data set, against values worked out by hand. Site "st" (Asia/Shanghai);
 * the day is 2025-03-10 local = [2025-03-09T16:00Z, 2025-03-10T16:00Z).
 *
 * R1 repair, on time, accepted first time, satisfied        R5 cancelled duplicate (not counted)
 * R2 urgent repair, failed acceptance once, not satisfied    R6 call at 23:59 the day before
 * R3 complaint, answered in 4 min, still in progress         R7 lift fault 14:00-15:00 local, recovered
 * R4 help, reclassified, dispatched late (1 breach)          R8 pump fault 23:00 the day before - 00:30
 * R9 pump fault cancelled as a mistake (no downtime)         R10 lift fault 13:30-14:30 local (overlaps R7)
 */
import { expect, it } from 'vitest';
import type { Actor } from '../../../src/records/service/index.ts';
import { desk, eng, type Harness, MIN, seedSite } from './harness.ts';
import { call, DONE, HAPPY, PLAN, walk } from './lifecycle.ts';

const H = 60 * MIN;
const T = Date.parse('2025-03-10T01:00:00Z');
const supSec: Actor = { id: 'sup-sec', role: 'supervisor' };
const SECRET = 'test-secret-0123456789';

async function fault(h: Harness, deviceId: string, code: string, at: number, key: string) {
  h.clock.t = at;
  const f = { deviceId, faultCode: code, priority: 'normal' as const, trade: 'engineering' as const };
  return (await h.desk.raiseDeviceFault({ ...f, idempotencyKey: key, occurredAt: new Date(at) })).record.id;
}

async function buildDataSet(h: Harness) {
  await seedSite(h, 'st');
  h.at('2025-03-09T00:00:00Z');
  await h.records.addDevice({ id: 'st-lift-1', site: 'st', kind: 'lift', building: 'B1', secret: SECRET });
  await h.records.addDevice({ id: 'st-pump-1', site: 'st', kind: 'pump', secret: SECRET });
  const create = async (at: number, extra: Record<string, unknown>) => {
    h.clock.t = at;
    return (await h.desk.createRecord(call('st', { merge: 'new', ...extra }), desk)).record.id;
  };
  h.at('2025-03-09T15:59:30Z');
  await create(h.clock.t, { receivedAt: '2025-03-09T15:59:00Z' }); // R6
  const r8 = await fault(h, 'st-pump-1', 'pump_fault', Date.parse('2025-03-09T15:00:00Z'), 'st-8');
  h.at('2025-03-09T16:30:00Z');
  await h.desk.noteRecovery({
    deviceId: 'st-pump-1',
    faultCode: 'pump_fault',
    recoveredAt: new Date(h.clock.t),
  });
  expect(r8).toBeGreaterThan(0);

  const r1 = await create(T, {});
  await walk(h, r1, T, HAPPY);
  const r2 = await create(T + H, { priority: 'urgent' });
  await walk(h, r2, T + H, [
    ...HAPPY.slice(0, 6),
    [31 * MIN, 'reject', eng, { note: '未修好' }],
    [35 * MIN, 'complete', eng, DONE],
    [36 * MIN, 'accept', eng, { acceptedBy: '业主' }],
    [40 * MIN, 'visit', desk, { fixed: true, satisfied: false, chargesOk: true }],
  ]);
  const r3 = await create(T + 2 * H, { type: 'complaint', trade: 'customer_service', content: '夜间噪音' });
  await walk(h, r3, T + 2 * H, [
    [60_000, 'dispatch', desk],
    [90_000, 'acknowledge', supSec],
    [4 * MIN, 'answer', desk, { note: '已联系楼上住户' }],
    [5 * MIN, 'arrive', supSec],
    [6 * MIN, 'plan', supSec, PLAN],
    [7 * MIN, 'start', supSec],
  ]);
  const r4 = await create(T + 3 * H, { type: 'help' });
  await walk(h, r4, T + 3 * H, [[MIN, 'reclassify', desk, { trade: 'cleaning', note: '实为保洁' }]]);
  h.clock.t = T + 3 * H + 2 * MIN + 1000;
  await h.desk.tick(); // R4's dispatch (and R6's, R8's) breached
  await walk(h, r4, T + 3 * H, [
    [2.5 * MIN, 'dispatch', desk, { assigneeId: 'eng-1' }],
    [3 * MIN, 'acknowledge', eng],
    [4 * MIN, 'arrive', eng],
    [5 * MIN, 'plan', eng, PLAN],
    [6 * MIN, 'start', eng],
  ]);
  const r5 = await create(T + 4 * H, {});
  await walk(h, r5, T + 4 * H, [[MIN, 'cancel', desk, { reason: 'duplicate' }]]);
  const r7 = await fault(h, 'st-lift-1', 'entrapment', T + 5 * H, 'st-7');
  await walk(h, r7, T + 5 * H, [
    [60_000, 'dispatch', desk, { assigneeId: 'eng-1' }],
    [90_000, 'acknowledge', eng],
    [5 * MIN, 'arrive', eng],
    [6 * MIN, 'plan', eng, PLAN],
    [7 * MIN, 'start', eng],
  ]);
  await fault(h, 'st-lift-1', 'door_open_failure', T + 4.5 * H, 'st-10');
  h.clock.t = T + 6 * H;
  await h.desk.noteRecovery({
    deviceId: 'st-lift-1',
    faultCode: 'entrapment',
    recoveredAt: new Date(T + 6 * H),
  });
  h.clock.t = T + 6.5 * H;
  await h.desk.noteRecovery({
    deviceId: 'st-lift-1',
    faultCode: 'door_open_failure',
    recoveredAt: new Date(T + 5.5 * H),
  });
  const r9 = await fault(h, 'st-pump-1', 'tank_level_low', T + 7 * H, 'st-9');
  h.clock.t = T + 7 * H + MIN;
  await h.desk.transition(r9, 'cancel', desk, { reason: 'mistake' });
  h.at('2025-03-10T17:00:00Z');
}

const r = (numerator: number, denominator: number) => ({
  numerator,
  denominator,
  rate: numerator / denominator,
});
const none = { numerator: 0, denominator: 0, rate: null };

export function statsTests(get: () => Harness) {
  it('computes the day, week and month rates of a fixed data set, with numerators and denominators', async () => {
    const h = get();
    await buildDataSet(h);
    const day = await h.desk.stats({ site: 'st', period: 'day', date: '2025-03-10' });
    expect(day.from.toISOString()).toBe('2025-03-09T16:00:00.000Z');
    expect(day.to.toISOString()).toBe('2025-03-10T16:00:00.000Z');
    expect(day.records).toBe(6); // R1 R2 R3 R4 R7 R10
    expect(day.rates).toEqual({
      timeliness: r(5, 6),
      satisfaction: r(1, 2),
      firstTimePass: r(1, 2),
      returnVisit: r(2, 2),
      classificationAccuracy: r(5, 6),
      urgentRepairTimeliness: r(1, 1),
      complaintResponse: r(1, 1),
      complaintResult: r(0, 1),
      // 2 devices x 86,400 s; lift down 13:30-15:00 local (5,400 s), pump 00:00-00:30 (1,800 s).
      equipmentIntact: r(165_600, 172_800),
      // The site walks no rounds: a rate over nothing is null.
      roundCompletion: { numerator: 0, denominator: 0, rate: null },
      roundsOnTime: { numerator: 0, denominator: 0, rate: null },
      // Per kind: the lift and the pump apart; no lighting or CCTV here; no maintenance plan.
      equipmentIntactLift: r(81_000, 86_400),
      equipmentIntactPump: r(84_600, 86_400),
      equipmentIntactLighting: none,
      equipmentIntactCctv: none,
      planCompletion: none,
      planOnTime: none,
    });
    // Time in "received": R1 30 s, R2 30 s, R3 60 s, R4 150 s, R7 60 s (R10 still there).
    expect(day.steps.find((s) => s.state === 'received')).toEqual({
      state: 'received',
      count: 5,
      meanS: 66,
      p90S: 150,
    });
    expect(day.steps.find((s) => s.state === 'awaiting_acceptance')).toEqual({
      state: 'awaiting_acceptance',
      count: 3, // R1 60 s, R2 60 s twice
      meanS: 60,
      p90S: 60,
    });

    const week = await h.desk.stats({ site: 'st', period: 'week', date: '2025-03-12' });
    expect([week.from.toISOString(), week.to.toISOString()]).toEqual([
      '2025-03-09T16:00:00.000Z',
      '2025-03-16T16:00:00.000Z',
    ]);
    expect(week.records).toBe(6);
    // Up to now (17:00Z): 25 h per device.
    expect(week.rates.equipmentIntact).toEqual(r(180_000 - 7_200, 180_000));

    const month = await h.desk.stats({ site: 'st', period: 'month', date: '2025-03-01' });
    expect(month.from.toISOString()).toBe('2025-02-28T16:00:00.000Z');
    expect(month.records).toBe(8); // and R6, R8 from the evening before
    expect(month.rates.timeliness).toEqual(r(5, 8));
    // Devices registered 2025-03-09T00:00Z: 41 h each; pump down 15:00-16:30Z, lift 5,400 s.
    expect(month.rates.equipmentIntact).toEqual(r(295_200 - 10_800, 295_200));

    const empty = await h.desk.stats({ site: 'st', period: 'day', date: '2025-03-01' });
    expect(empty.records).toBe(0);
    expect(empty.rates.timeliness).toEqual({ numerator: 0, denominator: 0, rate: null });
  });

  it('writes statistics as JSON and CSV in zh-CN and en', async () => {
    const h = get();
    const q = { site: 'st', period: 'day', date: '2025-03-10' } as const;
    const json = await h.desk.statsJson(q);
    expect(json.from).toBe('2025-03-09T16:00:00.000Z');
    expect(json.rates.timeliness).toMatchObject({ label: '及时率', numerator: 5, denominator: 6 });
    const csv = (await h.desk.statsCsv(q)).split('\r\n');
    expect(csv[0]).toBe('key,指标,分子,分母,比率,件数,平均用时（秒）,P90 用时（秒）');
    expect(csv[1]).toBe('timeliness,及时率,5,6,0.8333,,,');
    expect(csv).toContain('step:received,接报,,,,5,66,150');
    expect(csv).toContain('notifyEscalations,未确认而升级的通知,,,,0,,');
    const en = (await h.another({ lang: 'en' }).statsCsv(q)).split('\r\n');
    expect(en[0]).toBe('key,Metric,Numerator,Denominator,Rate,Count,Mean (s),P90 (s)');
    expect(en).toContain('equipmentIntact,Equipment intact rate,165600,172800,0.9583,,,');
  });

  it('times each step in the order things happened, whatever order the history rows were written in', async () => {
    const h = get();
    await seedSite(h, 'st-order');
    h.at('2025-03-10T02:00:00Z');
    const start = h.clock.t;
    const { record } = await h.desk.createRecord(call('st-order', { merge: 'new' }), desk);
    // Later steps first: the rows' ids and their physical order both disagree with their times.
    const steps: [number, string, string][] = [
      [40 * MIN, 'return_visit', 'closed'],
      [10 * MIN, 'dispatched', 'acknowledged'],
      [30 * MIN, 'acknowledged', 'return_visit'],
      [2 * MIN, 'received', 'dispatched'],
    ];
    for (const [offset, from, to] of steps) {
      await h.records.db.query(
        `INSERT INTO service_history (subject, subject_id, at, actor_id, actor_role, action, from_state, to_state)
         VALUES ('record', $1, $2, 'desk-1', 'front_desk', 'test', $3, $4)`,
        [record.id, new Date(start + offset), from, to],
      );
    }
    const day = await h.desk.stats({ site: 'st-order', period: 'day', date: '2025-03-10' });
    expect(day.steps).toEqual([
      { state: 'received', count: 1, meanS: 120, p90S: 120 },
      { state: 'dispatched', count: 1, meanS: 480, p90S: 480 },
      { state: 'acknowledged', count: 1, meanS: 1200, p90S: 1200 },
      { state: 'return_visit', count: 1, meanS: 600, p90S: 600 },
    ]);
  });
}
