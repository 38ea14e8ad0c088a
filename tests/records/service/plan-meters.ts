/** A meter-driven plan on a fake clock: its base, its steps, a counter reset, other devices, its end. */
import { expect, it } from 'vitest';
import { type Harness, seedSite } from './harness.ts';

const SECRET = 'test-secret-0123456789';
const local = (date: string, hh = 0) => Date.parse(`${date}T00:00:00+08:00`) + hh * 3_600_000;

export function meterResetTests(get: () => Harness) {
  it('keeps a meter plan’s progress over a counter reset, and an ended plan makes no more jobs', async () => {
    const h = get();
    await seedSite(h, 'pmr');
    h.clock.t = local('2027-01-05', 9);
    await h.records.addDevice({ id: 'pm-lift-2', site: 'pmr', kind: 'lift', building: 'B1', secret: SECRET });
    await h.records.addDevice({ id: 'pm-lift-3', site: 'pmr', kind: 'lift', building: 'B1', secret: SECRET });
    const plan = await h.desk.addPlan({
      site: 'pmr',
      scope: 'device',
      device: 'pm-lift-2',
      template: 'lift-runs',
      meter: { field: 'runs_total', every: 100 },
    });
    const note = async (runs: number) =>
      (
        await h.desk.noteMeters({
          deviceId: 'pm-lift-2',
          readings: { runs_total: runs },
          at: new Date(h.clock.t),
        })
      ).length;
    expect(await note(1000)).toBe(0); // the base
    expect(await note(1099)).toBe(0);
    expect(await note(1150)).toBe(1); // 150 since the base: the first step
    expect(await note(20)).toBe(0); // a new controller counts from 0: 150 kept
    expect(await note(69)).toBe(0); // 199
    expect(await note(80)).toBe(1); // 210: the second step
    // Another lift's counter is not this plan's.
    const other = { deviceId: 'pm-lift-3', readings: { runs_total: 9e9 }, at: new Date(h.clock.t) };
    expect(await h.desk.noteMeters(other)).toEqual([]);
    await h.desk.endPlan(plan.id, 'sup-eng');
    expect(await note(500)).toBe(0);
    const seqs = await h.records.db.query<{ seq: number; value: number }>(
      `SELECT seq, meter_value AS value FROM maintenance_jobs WHERE plan_id = $1 ORDER BY seq`,
      [plan.id],
    );
    expect(seqs).toEqual([
      { seq: 1, value: 1150 },
      { seq: 2, value: 80 },
    ]);
  });

  it('counts a zone’s jobs only in the zone’s plan rates', async () => {
    const h = get();
    await seedSite(h, 'pmz');
    await h.desk.addZone({ site: 'pmz', id: 'north', name: '北区', buildings: ['B1'] });
    h.clock.t = local('2027-02-01', 9);
    for (const [id, building] of [
      ['pz-lift-b1', 'B1'],
      ['pz-lift-out', undefined],
    ] as const) {
      await h.records.addDevice({ id, site: 'pmz', kind: 'lift', building, secret: SECRET });
      await h.desk.addPlan({
        site: 'pmz',
        scope: 'device',
        device: id,
        template: 'lift-runs',
        meter: { field: 'runs_total', every: 100 },
      });
      for (const runs of [0, 100])
        await h.desk.noteMeters({ deviceId: id, readings: { runs_total: runs }, at: new Date(h.clock.t) });
    }
    h.clock.t = local('2027-03-15');
    const month = { site: 'pmz', period: 'month' as const, date: '2027-02-01' };
    expect((await h.desk.stats(month)).rates.planCompletion).toMatchObject({ numerator: 0, denominator: 2 });
    const north = await h.desk.stats({ ...month, zone: 'north' });
    expect(north.rates.planCompletion).toMatchObject({ numerator: 0, denominator: 1 });
    expect(north.rates.planOnTime).toMatchObject({ numerator: 0, denominator: 1 });
  });
}
