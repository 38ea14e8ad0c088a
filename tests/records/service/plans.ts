/**
 * A year of maintenance plans at site "pm" (Asia/Shanghai, UTC+8, no DST) on a fake clock, ticked
 * at every local midnight. Hand-computed expectations:
 *
 *  lift-half-monthly on pm-lift-1 from 2026-01-01: due every 15 days, Jan 1 + 15n, n = 0..24
 *  tank-cleaning, site plan, from 2026-03-15, 6 months: Mar 15, Sep 15
 *  emergency-lighting-monthly on every lighting circuit from 2026-01-10: the 10th of each month
 *  emergency-lighting-yearly from 2026-06-30: Jun 30
 *  lift-runs meter on pm-lift-1 every 50 000 runs, 600 runs a day from day 0: days 84, 167, 250, 334
 *
 * Every calendar job is generated at local midnight 3 days (the lead) before its due date, and
 * worked the day before it is due, except the lift job due Jul 15 (worked Jul 17: overdue, one
 * breach) and the one due Aug 14 (abandoned Aug 13). July: 3 jobs due (lift Jul 15, Jul 30,
 * lighting Jul 10), all done, 2 on time. August: lift Aug 14 (abandoned), Aug 29, lighting Aug 10:
 * 2 of 3 done, both on time. One lift fault Jul 20 10:00-12:00 local: lifts intact (744 - 2) / 744 h.
 */
import { expect, it } from 'vitest';
import { currentWindows } from '../../../src/records/index.ts';
import type { Actor, ServiceRecord } from '../../../src/records/service/index.ts';
import { MaintenanceCalendar } from '../../../src/rules/maintenance.ts';
import { desk, type Harness, MIN, seedSite } from './harness.ts';
import { DONE, PLAN } from './lifecycle.ts';

const DAY = 86_400_000;
const H = 3_600_000;
const SECRET = 'test-secret-0123456789';
/** Local midnight of a date in Asia/Shanghai. */
const local = (date: string, hh = 0) => Date.parse(`${date}T00:00:00+08:00`) + hh * H;
const iso = (t: number) => new Date(t + 8 * H).toISOString().slice(0, 10);
const addDays = (date: string, n: number) => iso(local(date) + n * DAY);

function expectedDues(): Map<string, string[]> {
  const lift = Array.from({ length: 25 }, (_, n) => addDays('2026-01-01', 15 * n));
  const monthly = Array.from({ length: 12 }, (_, m) => `2026-${String(m + 1).padStart(2, '0')}-10`);
  return new Map([
    ['lift', lift],
    ['tank', ['2026-03-15', '2026-09-15']],
    ['monthly', monthly],
    ['yearly', ['2026-06-30']],
  ]);
}

interface Job {
  recordId: number;
  planId: number;
  trigger: string;
  seq: number;
  dueAt: Date;
  unit: string;
  receivedAt: Date;
  state: string;
}

async function jobs(h: Harness): Promise<Job[]> {
  return h.records.db.query<Job>(
    `SELECT j.record_id AS "recordId", j.plan_id AS "planId", j.trigger, j.seq, j.due_at AS "dueAt", j.unit,
       r.received_at AS "receivedAt", r.state
     FROM maintenance_jobs j JOIN service_records r ON r.id = j.record_id WHERE r.site_id = 'pm' ORDER BY j.record_id`,
  );
}

/** The assignee does the job from acknowledgement to the return visit, a minute a step. */
async function work(h: Harness, r: ServiceRecord, opts: { fault?: boolean } = {}) {
  const e: Actor = { id: r.assigneeId!, role: 'engineer' };
  const step = async (action: string, who: Actor, payload?: Record<string, unknown>) => {
    h.advance(MIN);
    return h.desk.transition(r.id, action, who, payload);
  };
  await step('acknowledge', e);
  await step('arrive', e);
  await step('plan', e, PLAN);
  await step('start', e);
  for (const item of await h.desk.getChecklist(r.id)) {
    h.advance(1000);
    const fault = opts.fault && item.position === 3;
    await h.desk.checkItem(
      r.id,
      item.position,
      fault ? { result: 'fault', note: '制动器间隙超标' } : { result: 'done' },
      e,
    );
  }
  await step('complete', e, DONE);
  await step('accept', e, { acceptedBy: '维保主管' });
  await step('visit', desk, { fixed: true, satisfied: true, chargesOk: true });
}

export function planTests(get: () => Harness) {
  it('runs a year of plans: each fires on its day or meter value, windows follow the work, overdue breaches once', async () => {
    const h = get();
    await seedSite(h, 'pm');
    h.clock.t = local('2025-12-31', 12);
    const dev = (id: string, kind: 'lift' | 'pump' | 'lighting') =>
      h.records.addDevice({ id, site: 'pm', kind, building: 'B1', secret: SECRET });
    await dev('pm-lift-1', 'lift');
    await dev('pm-pump-1', 'pump');
    await dev('pm-light-1', 'lighting');
    const lift = await h.desk.addPlan({
      site: 'pm',
      scope: 'device',
      device: 'pm-lift-1',
      template: 'lift-half-monthly',
      startsOn: '2026-01-01',
    });
    expect(lift).toMatchObject({ every: { count: 15, unit: 'day' }, leadDays: 3, kind: 'lift' });
    const tank = await h.desk.addPlan({
      site: 'pm',
      scope: 'site',
      template: 'tank-cleaning',
      startsOn: '2026-03-15',
    });
    expect(tank.every).toEqual({ count: 6, unit: 'month' });
    const monthly = await h.desk.addPlan({
      site: 'pm',
      scope: 'kind',
      template: 'emergency-lighting-monthly',
      startsOn: '2026-01-10',
    });
    const yearly = await h.desk.addPlan({
      site: 'pm',
      scope: 'kind',
      template: 'emergency-lighting-yearly',
      startsOn: '2026-06-30',
    });
    const runs = await h.desk.addPlan({
      site: 'pm',
      scope: 'device',
      device: 'pm-lift-1',
      template: 'lift-runs',
    });
    expect(runs.meter).toEqual({ field: 'runs_total', every: 50_000 });
    const planOf = new Map([
      [lift.id, 'lift'],
      [tank.id, 'tank'],
      [monthly.id, 'monthly'],
      [yearly.id, 'yearly'],
    ]);

    const breaches = () => h.events.filter((e) => e.type === 'breach' && e.breach.step === 'plan_due');
    const firstTick = local('2025-12-31', 20);
    h.clock.t = firstTick;
    await h.desk.tick();
    const meterDays: number[] = [];
    let held = false;
    for (let day = 0; day < 365; day++) {
      const date = addDays('2026-01-01', day);
      h.clock.t = local(date);
      await h.desk.tick();
      const made = await h.desk.noteMeters({
        deviceId: 'pm-lift-1',
        readings: { runs_total: 1_000_000 + 600 * day },
        at: new Date(h.clock.t),
      });
      if (made.length > 0) meterDays.push(day);
      h.clock.t = local(date, 10);
      if (date === '2026-07-20') {
        await h.desk.raiseDeviceFault({
          deviceId: 'pm-lift-1',
          faultCode: 'door_lock_fault',
          priority: 'normal',
          trade: 'engineering',
          idempotencyKey: 'pm-f1',
          occurredAt: new Date(h.clock.t),
        });
        h.clock.t = local(date, 12);
        await h.desk.noteRecovery({
          deviceId: 'pm-lift-1',
          faultCode: 'door_lock_fault',
          recoveredAt: new Date(h.clock.t),
        });
        h.clock.t = local(date, 10);
      }
      for (const j of await jobs(h)) {
        if (j.state !== 'dispatched') continue;
        const r = await h.desk.getRecord(j.recordId);
        const due = iso(j.dueAt.getTime() - 1);
        if (due === '2026-07-15' && j.planId === lift.id) {
          if (date !== '2026-07-17') continue;
        } else if (due === '2026-08-14' && j.planId === lift.id) {
          if (date === '2026-08-13')
            await h.desk.transition(r.id, 'cancel', desk, { reason: 'withdrawn', note: '停梯改造' });
          continue;
        } else if (j.dueAt.getTime() - h.clock.t > 2 * DAY) continue;
        const withFault = due === '2026-03-17' && j.planId === lift.id;
        await work(h, r, { fault: withFault });
        if (withFault) held = await checkWindowDuringWork(h, r.id);
      }
    }
    expect(held).toBe(true);

    const all = await jobs(h);
    const expected = expectedDues();
    for (const [planId, name] of planOf) {
      const mine = all.filter(
        (j) => j.planId === planId && j.trigger === 'calendar' && j.dueAt.getTime() <= local('2027-01-01'),
      );
      expect(
        mine.map((j) => iso(j.dueAt.getTime() - 1)),
        name,
      ).toEqual(expected.get(name));
      for (const j of mine) {
        const fires = Math.max(local(addDays(iso(j.dueAt.getTime() - 1), -3)), firstTick);
        expect(j.receivedAt.getTime(), `${name} due ${iso(j.dueAt.getTime() - 1)}`).toBe(fires);
      }
    }
    expect(meterDays).toEqual([84, 167, 250, 334]);
    expect(all.filter((j) => j.trigger === 'meter').map((j) => j.seq)).toEqual([1, 2, 3, 4]);

    const late = all.find((j) => j.planId === lift.id && iso(j.dueAt.getTime() - 1) === '2026-07-15')!;
    expect(breaches().map((e) => e.type === 'breach' && e.breach.subjectId)).toEqual([late.recordId]);
    const b = breaches()[0]!;
    expect(b.type === 'breach' && b.notify).toEqual(expect.arrayContaining(['sup-eng', 'mgr-1']));
    const [count] = await h.records.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sla_breaches b JOIN sla_deadlines d ON d.id = b.deadline_id
       WHERE d.step = 'plan_due' AND d.site_id = 'pm'`,
    );
    expect(count!.n).toBe(1);

    // Every worked job opened one window on its device and ended it when the work was completed.
    const windows = await h.records.db.query<{ recordId: number; endedAt: Date | null; ends: Date }>(
      `SELECT w.record_id AS "recordId", w.ended_at AS "endedAt", w.ends_at AS ends FROM maintenance_windows w
       JOIN maintenance_jobs j ON j.record_id = w.record_id WHERE w.site_id = 'pm'`,
    );
    const worked = all.filter((j) => j.unit !== '');
    const done = await Promise.all(worked.map((j) => h.desk.getRecord(j.recordId)));
    const completed = done.filter((r) => r.completedAt);
    expect(windows.map((w) => w.recordId).sort()).toEqual(completed.map((r) => r.id).sort());
    for (const w of windows) {
      const r = completed.find((c) => c.id === w.recordId)!;
      expect(w.endedAt).toEqual(r.completedAt);
      expect(w.ends).toEqual(r.completedAt);
    }

    h.clock.t = local('2026-12-31', 12);
    const july = await h.desk.stats({ site: 'pm', period: 'month', date: '2026-07-01' });
    expect(july.rates.planCompletion).toMatchObject({ numerator: 3, denominator: 3 });
    expect(july.rates.planOnTime).toMatchObject({ numerator: 2, denominator: 3 });
    const august = await h.desk.stats({ site: 'pm', period: 'month', date: '2026-08-01' });
    expect(august.rates.planCompletion).toMatchObject({ numerator: 2, denominator: 3 });
    expect(august.rates.planOnTime).toMatchObject({ numerator: 2, denominator: 3 });
    expect(july.rates.equipmentIntactLift).toEqual({
      numerator: 742 * 3600,
      denominator: 744 * 3600,
      rate: 742 / 744,
    });
    expect(july.rates.equipmentIntactPump).toEqual({
      numerator: 744 * 3600,
      denominator: 744 * 3600,
      rate: 1,
    });
    expect(july.rates.equipmentIntactCctv).toEqual({ numerator: 0, denominator: 0, rate: null });
    expect(july.rates.equipmentIntact).toEqual({
      numerator: 2230 * 3600,
      denominator: 2232 * 3600,
      rate: 2230 / 2232,
    });
    expect(july.rates.equipmentIntactLift.rate!).toBeGreaterThanOrEqual(0.99);

    const cal = await h.desk.planCalendar('pm', '2026-07');
    expect(cal.map((c) => [c.dueDate, c.plan, c.deviceId, c.state])).toEqual([
      ['2026-07-10', monthly.name, 'pm-light-1', 'closed'],
      ['2026-07-15', lift.name, 'pm-lift-1', 'closed'],
      ['2026-07-30', lift.name, 'pm-lift-1', 'closed'],
    ]);
    const next = await h.desk.planCalendar('pm', '2027-03');
    expect(next.filter((c) => c.plan === tank.name).map((c) => [c.dueDate, c.recordId])).toEqual([
      ['2027-03-15', null],
    ]);
  }, 300_000);
}

/**
 * While the job is in progress its device is covered (rules holds its faults back); the fault found
 * on item 3 is a repair record linked to the job, on the job's engineer; completing ends the cover.
 */
async function checkWindowDuringWork(h: Harness, jobId: number): Promise<boolean> {
  const r = await h.desk.getRecord(jobId);
  const items = await h.desk.getChecklist(jobId);
  const fault = await h.desk.getRecord(items.find((i) => i.position === 3)!.faultRecordId!);
  expect(fault).toMatchObject({
    type: 'repair',
    jobId,
    deviceId: 'pm-lift-1',
    assigneeId: r.assigneeId,
    state: 'dispatched',
  });
  const cal = new MaintenanceCalendar();
  const device = {
    id: 'pm-lift-1',
    site: 'pm',
    kind: 'lift' as const,
    building: 'B1',
    floor: null,
    location: null,
    intervalS: 10,
  };
  const during = r.completedAt!.getTime() - 1000;
  cal.set(await currentWindows(h.records.db, new Date(during)));
  const covered = cal.covers(device, during);
  cal.set(await currentWindows(h.records.db, r.completedAt!));
  return covered && !cal.covers(device, r.completedAt!.getTime());
}
