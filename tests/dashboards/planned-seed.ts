/**
 * Planned work at estate "pw" (Asia/Shanghai, UTC+8) on a fake clock, 8-18 March 2025, for the
 * planned-work dashboard's test. Hand-counted for the local week of Monday 10 March:
 *
 *  Jobs (due = end of the local due date): lift-1 half-monthly due 11 Mar, worked 10 Mar (on time);
 *  emergency lighting on light-1 and light-2 due 12 Mar, light-1 worked 12 Mar (on time), light-2
 *  14 Mar (late); tank cleaning due 13 Mar, never worked (overdue); lift-2 due 14 Mar, abandoned.
 *  Due 5, done 3, on time 2.
 *
 *  Rounds: north-patrol (3 checkpoints, 30 min) due every night at 22:00: 10th walked in full on
 *  time; 11th finished late with a point missed (2/3); 12th never started (missed); 13th started
 *  late (3/3); 14th cut short by the supervisor on time (1/3); 15th in full on time; 16th never
 *  started (missed on the 17th). pump-rooms (2 checkpoints, unscheduled) walked on the 12th (2/2).
 *  Rounds 8, late 4 (11th, 12th, 13th, 16th), points due 23, confirmed 14.
 *
 *  Devices (from 8 March): lifts 1 (B1, zone north) and 2 (B2, south), lighting 1 (B1) and 2 (B2).
 *  Lift 1 down 12 Mar 14:00-16:00, lighting 2 down 13 Mar 20:00 to 14 Mar 08:00.
 */
import pino from 'pino';
import type { Records } from '../../src/records/index.ts';
import {
  type Actor,
  openServiceDesk,
  type ServiceDesk,
  type ServiceRecord,
} from '../../src/records/service/index.ts';

export const SITE = 'pw';
const H = 3_600_000;
const silent = pino({ level: 'silent' });
const eng: Actor = { id: 'eng-1', role: 'engineer' };
const guard: Actor = { id: 'guard-1', role: 'guard' };
const desk: Actor = { id: 'desk-1', role: 'front_desk' };
const supSec: Actor = { id: 'sup-sec', role: 'supervisor' };
const PLAN = { durationMin: 30, impact: '停梯30分钟', residentAgreed: true, feeCents: 0 };
const DONE = { workMinutes: 25, materials: [], feeCents: 0 };

/** Instant of a local (UTC+8) date and time. */
export const local = (date: string, hh: number, mm = 0): number =>
  Date.parse(`${date}T00:00:00+08:00`) + hh * H + mm * 60_000;

export interface Seeded {
  desk: ServiceDesk;
  clock: { t: number };
}

export async function seedPlannedWork(records: Records): Promise<Seeded> {
  const clock = { t: local('2025-03-08', 12) };
  const d = openServiceDesk({ db: records.db, log: silent, now: () => clock.t, lang: 'en' });
  const at = async (date: string, hh: number, mm = 0) => {
    clock.t = local(date, hh, mm);
    await d.tick();
  };
  await records.addSite({ id: SITE, name: 'Planned estate', timezone: 'Asia/Shanghai' });
  for (const b of ['B1', 'B2']) await records.addBuilding({ site: SITE, id: b, name: b, floors: 18 });
  for (const [id, kind, building] of [
    ['pw-lift-1', 'lift', 'B1'],
    ['pw-lift-2', 'lift', 'B2'],
    ['pw-light-1', 'lighting', 'B1'],
    ['pw-light-2', 'lighting', 'B2'],
  ] as const)
    await records.addDevice({ id, site: SITE, kind, building, secret: 'test-secret-0123456789' });
  await d.addStaff({ id: 'desk-1', name: 'Desk', roles: ['front_desk'] });
  await d.addStaff({ id: 'eng-1', name: 'Engineer', roles: ['engineer'], trades: ['engineering'] });
  await d.addStaff({ id: 'guard-1', name: 'Guard', roles: ['guard'], trades: ['security'] });
  await d.addStaff({ id: 'sup-eng', name: 'Eng sup', roles: ['supervisor'], trades: ['engineering'] });
  await d.addStaff({ id: 'sup-sec', name: 'Sec sup', roles: ['supervisor'], trades: ['security'] });
  await d.addStaff({ id: 'mgr-1', name: 'Manager', roles: ['manager'] });
  // Round the clock, so every job and round goes to the same two people.
  await d.addShift({ site: SITE, staffId: 'eng-1', trade: 'engineering', starts: '00:00', ends: '00:00' });
  await d.addShift({ site: SITE, staffId: 'guard-1', trade: 'security', starts: '00:00', ends: '00:00' });
  await d.addZone({ site: SITE, id: 'north', name: 'North', buildings: ['B1'] });
  await d.addZone({ site: SITE, id: 'south', name: 'South', buildings: ['B2'] });

  const plan = (p: Record<string, unknown>) => d.addPlan({ site: SITE, createdBy: 'test', ...p });
  const lift1 = await plan({
    scope: 'device',
    device: 'pw-lift-1',
    template: 'lift-half-monthly',
    startsOn: '2025-03-11',
  });
  const lift2 = await plan({
    scope: 'device',
    device: 'pw-lift-2',
    template: 'lift-half-monthly',
    startsOn: '2025-03-14',
  });
  const lights = await plan({
    scope: 'kind',
    kind: 'lighting',
    template: 'emergency-lighting-monthly',
    startsOn: '2025-03-12',
  });
  await plan({ scope: 'site', template: 'tank-cleaning', startsOn: '2025-03-13' });

  const job = async (planId: number, unit: string): Promise<ServiceRecord> => {
    const [row] = await records.db.query<{ id: number }>(
      'SELECT record_id AS id FROM maintenance_jobs WHERE plan_id = $1 AND unit = $2 ORDER BY seq LIMIT 1',
      [planId, unit],
    );
    return d.getRecord(row!.id);
  };
  const work = async (r: ServiceRecord) => {
    for (const [action, payload] of [['acknowledge'], ['arrive'], ['plan', PLAN], ['start']] as const)
      await d.transition(r.id, action, eng, payload);
    for (const item of await d.getChecklist(r.id))
      await d.checkItem(r.id, item.position, { result: 'done' }, eng);
    await d.transition(r.id, 'complete', eng, DONE);
  };

  /** A device fault at `at`, and its recovery (the record itself stays open). */
  const fault = async (deviceId: string, faultCode: string, at: number) => {
    clock.t = at;
    const occurredAt = new Date(at);
    const key = `${deviceId}-${at}`;
    await d.raiseDeviceFault({
      deviceId,
      faultCode,
      priority: 'normal',
      trade: 'engineering',
      idempotencyKey: key,
      occurredAt,
    });
  };
  const recover = async (deviceId: string, faultCode: string, at: number) => {
    clock.t = at;
    await d.noteRecovery({ deviceId, faultCode, recoveredAt: new Date(at) });
  };

  let route: Awaited<ReturnType<ServiceDesk['addRoute']>> | undefined;
  let pumps: Awaited<ReturnType<ServiceDesk['addRoute']>> | undefined;
  const codes = () => route!.checkpoints.map((c) => c.code);
  const tonight = async () =>
    (await d.listRounds({ site: SITE, state: ['due'] })).find((r) => r.route === 'north-patrol')!;
  /** Starts tonight's round `startMin` past 22:00, then confirms checkpoints at minutes past 22:00. */
  const walk = async (date: string, startMin: number, points: [code: number, min: number][]) => {
    const round = await tonight();
    await at(date, 22, startMin);
    await d.startRound({ round: round.id }, guard);
    for (const [i, min] of points) {
      await at(date, 22, min);
      await d.confirmPoint(round.id, { code: codes()[i]! }, guard);
    }
    return round.id;
  };

  for (let day = 9; day <= 18; day++) {
    const date = `2025-03-${String(day).padStart(2, '0')}`;
    await at(date, 0);
    if (day === 10) {
      clock.t = local(date, 8);
      route = await d.addRoute({
        site: SITE,
        id: 'north-patrol',
        name: 'North patrol',
        trade: 'security',
        zone: 'north',
        timeLimitMin: 30,
        checkpoints: [
          { name: 'North gate' },
          { name: 'B1 lobby', building: 'B1' },
          { name: 'B2 lobby', building: 'B2' },
        ],
      });
      pumps = await d.addRoute({
        site: SITE,
        id: 'pump-rooms',
        name: 'Pump rooms',
        trade: 'engineering',
        checkpoints: [{ name: 'Pump room 1' }, { name: 'Pump room 2' }],
      });
      await d.addRoundSchedule({ site: SITE, route: 'north-patrol', starts: '22:00' });
      await at(date, 10);
      await work(await job(lift1.id, 'pw-lift-1'));
    }
    if (day === 12) {
      await at(date, 10);
      await work(await job(lights.id, 'pw-light-1'));
      const r = await d.startRound({ site: SITE, route: 'pump-rooms' }, eng);
      for (const [i, c] of pumps!.checkpoints.entries()) {
        await at(date, 10, 10 * (i + 1));
        await d.confirmPoint(r.id, { code: c.code }, eng);
      }
      await fault('pw-lift-1', 'door_lock_fault', local(date, 14));
      await recover('pw-lift-1', 'door_lock_fault', local(date, 16));
    }
    if (day === 13) await fault('pw-light-2', 'circuit_trip', local(date, 20));
    if (day === 14) {
      await recover('pw-light-2', 'circuit_trip', local(date, 8));
      await at(date, 10);
      await work(await job(lights.id, 'pw-light-2'));
      await d.transition((await job(lift2.id, 'pw-lift-2')).id, 'cancel', desk, { reason: 'withdrawn' });
    }
    if (day >= 18) break;
    await at(date, 22); // tonight's round comes due; an earlier one never started is missed
    if (day === 10 || day === 15)
      await walk(date, 5, [
        [0, 10],
        [1, 15],
        [2, 20],
      ]);
    if (day === 11) {
      const id = await walk(date, 10, [[0, 20]]);
      await at(date, 22, 41); // past the 30 min limit: round_finish breached
      await at(date, 22, 50); // the last point, late; the second is missed
      await d.confirmPoint(id, { code: codes()[2]! }, guard);
    }
    if (day === 13) {
      await at(date, 22, 16); // round_start breached
      await walk(date, 20, [
        [0, 25],
        [1, 30],
        [2, 35],
      ]);
    }
    if (day === 14) {
      const id = await walk(date, 5, [[0, 10]]);
      await at(date, 22, 15);
      await d.finishRound(id, supSec);
    }
    if (day === 12 || day === 16) await at(date, 22, 16); // never started: round_start breached
  }
  clock.t = local('2025-03-18', 12);
  return { desk: d, clock };
}
