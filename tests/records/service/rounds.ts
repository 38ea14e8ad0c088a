/**
 * Inspection rounds and zones: zone-preferred dispatch, a round with a missed point and a late
 * finish, a finding that becomes a record, and the night round's list headed by the lighting and
 * lift faults seen overnight. Sites are Asia/Shanghai (UTC+8).
 */
import { expect, it } from 'vitest';
import type { Actor, RoundDetail } from '../../../src/records/service/index.ts';
import { desk, guard, type Harness, MIN, refusal, seedSite, sup } from './harness.ts';
import { call } from './lifecycle.ts';

const SECRET = 'test-secret-0123456789';
const guard2: Actor = { id: 'guard-2', role: 'guard' };

const states = (r: RoundDetail) => r.points.map((p) => p.state);

async function route(h: Harness, site: string, extra: Record<string, unknown> = {}) {
  return h.desk.addRoute({
    site,
    id: 'patrol',
    name: '夜间巡更',
    trade: 'security',
    timeLimitMin: 30,
    checkpoints: [
      { name: 'CP1 北门', area: 'garage', location: '北门岗亭' },
      { name: 'CP2 B1大堂', building: 'B1', area: 'lobby' },
      { name: 'CP3 配电房', building: 'B1' },
    ],
    ...extra,
  });
}

export function roundsTests(get: () => Harness) {
  it('dispatches to the zone person on duty first, then the duty table as before', async () => {
    const h = get();
    await seedSite(h, 'zn');
    await h.desk.addStaff({ id: 'eng-zone', name: '北区维修', roles: ['engineer'], trades: ['engineering'] });
    await h.desk.addShift({
      site: 'zn',
      staffId: 'eng-zone',
      trade: 'engineering',
      starts: '08:00',
      ends: '20:00',
    });
    const zone = await h.desk.addZone({
      site: 'zn',
      id: 'north',
      name: '北区',
      buildings: ['B1'],
      people: { engineering: ['eng-zone'], security: ['guard-1'] },
    });
    expect(zone).toMatchObject({ buildings: ['B1'], areas: [], people: { engineering: ['eng-zone'] } });
    expect(await h.desk.zoneOf('zn', { area: 'lobby' })).toBe('north'); // the lobby is in B1
    expect(await h.desk.zoneOf('zn', { area: 'garage' })).toBeUndefined();
    const overlap = await refusal(h.desk.addZone({ site: 'zn', id: 'b1-too', name: 'x', buildings: ['B1'] }));
    expect(overlap.message).toContain('already in zone "north"');
    expect((await refusal(h.desk.addZone({ site: 'zn', id: 'z', name: 'x', areas: ['nope'] }))).code).toBe(
      'area-not-found',
    );

    h.at('2025-03-10T02:00:00Z'); // 10:00 local: eng-1 and eng-zone both on day shifts
    const inZone = (await h.desk.createRecord(call('zn', { merge: 'new' }), desk)).record;
    expect((await h.desk.transition(inZone.id, 'dispatch', desk)).assigneeId).toBe('eng-zone');
    const garage = (
      await h.desk.createRecord(call('zn', { merge: 'new', building: undefined, area: 'garage' }), desk)
    ).record;
    expect((await h.desk.transition(garage.id, 'dispatch', desk)).assigneeId).toBe('eng-1');
    expect(await h.desk.dutyNow({ site: 'zn', trade: 'engineering', building: 'B1' })).toMatchObject({
      staffId: 'eng-zone',
      via: 'zone',
      zone: 'north',
    });
    h.at('2025-03-10T14:00:00Z'); // 22:00 local: the zone's repairer is off, the night shift takes it
    const night = (await h.desk.createRecord(call('zn', { merge: 'new' }), desk)).record;
    expect((await h.desk.transition(night.id, 'dispatch', desk)).assigneeId).toBe('eng-2');
    expect((await h.desk.listZones('zn')).map((z) => z.id)).toEqual(['north']);
    // Statistics per zone: the records at its places only (the garage call is not the north's).
    const day = { site: 'zn', period: 'day' as const, date: '2025-03-10' };
    expect((await h.desk.stats(day)).records).toBe(3);
    const north = await h.desk.stats({ ...day, zone: 'north' });
    expect(north).toMatchObject({ zone: 'north', records: 2 });
    expect(north.rates.timeliness.denominator).toBe(2);
    expect((await refusal(h.desk.stats({ ...day, zone: 'west' }))).code).toBe('zone-not-found');
  });

  it('flags a missed point and a late finish, breaches the round on the clock and counts it', async () => {
    const h = get();
    await seedSite(h, 'rd');
    await h.desk.addStaff({ id: 'guard-2', name: '保安乙', roles: ['guard'], trades: ['security'] });
    const r = await route(h, 'rd');
    expect(r.checkpoints.map((c) => c.seq)).toEqual([1, 2, 3]);
    expect(new Set(r.checkpoints.map((c) => c.code)).size).toBe(3);
    const [cp1, cp2, cp3] = r.checkpoints;

    h.at('2025-03-10T03:00:00Z'); // 11:00 local
    const t0 = h.clock.t;
    expect((await refusal(h.desk.startRound({ site: 'rd', route: 'patrol' }, desk))).code).toBe('forbidden');
    const started = await h.desk.startRound({ site: 'rd', route: 'patrol' }, guard);
    expect(started).toMatchObject({ state: 'in_progress', startedBy: 'guard-1', late: false });
    expect(started.deadlineAt?.getTime()).toBe(t0 + 30 * MIN);
    const id = started.id;
    h.clock.t = t0 + 5 * MIN;
    await h.desk.confirmPoint(id, { code: cp1!.code }, guard);
    expect((await refusal(h.desk.confirmPoint(id, { code: cp3!.code }, guard2))).code).toBe('forbidden');
    expect((await refusal(h.desk.confirmPoint(id, { code: 'ZZZZZZZZZZZZ' }, guard))).code).toBe(
      'checkpoint-not-found',
    );
    const byTap = await refusal(h.desk.confirmPoint(id, { point: started.points[1]!.id }, guard));
    expect(byTap.message).toContain('scan its code');

    h.clock.t = t0 + 31 * MIN;
    const breaches = (await h.desk.tick()).filter((b) => b.subject === 'round' && b.subjectId === id);
    expect(breaches.map((b) => b.step)).toEqual(['round_finish']);
    expect((await h.desk.getRound(id)).late).toBe(true);
    const breachEvent = h.events.find(
      (e) => e.type === 'breach' && e.breach.subject === 'round' && e.breach.subjectId === id,
    );
    expect(breachEvent?.type === 'breach' && breachEvent.notify).toEqual(['sup-sec']);

    h.clock.t = t0 + 35 * MIN;
    const done = await h.desk.confirmPoint(id, { code: cp3!.code, note: '门已锁' }, guard);
    expect(done).toMatchObject({ state: 'finished', late: true, finishedBy: 'guard-1' });
    expect(states(done)).toEqual(['confirmed', 'missed', 'confirmed']);
    expect(done.points[2]).toMatchObject({ note: '门已锁', confirmedBy: 'guard-1' });
    expect(done.deadlines.map((d) => [d.step, d.breachedAt !== null])).toEqual([['round_finish', true]]);
    expect(done.history.map((e) => [e.action, e.actorId, e.to])).toEqual([
      ['create', 'guard-1', 'due'],
      ['start', 'guard-1', 'in_progress'],
      ['confirm', 'guard-1', 'in_progress'],
      ['breach', 'sla-clock', 'in_progress'],
      ['confirm', 'guard-1', 'in_progress'],
      ['finish', 'guard-1', 'finished'],
    ]);
    expect(done.history[4]!.data).toEqual({ point: done.points[2]!.id, missed: [done.points[1]!.id] });
    const again = await refusal(h.desk.confirmPoint(id, { code: cp2!.code }, guard));
    expect(again.code).toBe('illegal-transition');

    // A second round walked in full and on time.
    h.clock.t = t0 + 60 * MIN;
    const second = await h.desk.startRound({ site: 'rd', route: 'patrol' }, guard2);
    for (const cp of [cp1, cp2, cp3]) await h.desk.confirmPoint(second.id, { code: cp!.code }, guard2);
    expect(await h.desk.getRound(second.id)).toMatchObject({ state: 'finished', late: false });

    h.advance(MIN);
    const stats = await h.desk.stats({ site: 'rd', period: 'day', date: '2025-03-10' });
    expect(stats.rates.roundCompletion).toEqual({ numerator: 5, denominator: 6, rate: 5 / 6 });
    expect(stats.rates.roundsOnTime).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    expect(
      (await h.desk.listRounds({ site: 'rd' })).map((x) => [x.id, x.pointsConfirmed, x.pointsTotal]),
    ).toEqual([
      [second.id, 3, 3],
      [id, 2, 3],
    ]);
  });

  it('turns a finding at a confirmed point into a record at that place', async () => {
    const h = get();
    await seedSite(h, 'fd');
    const r = await route(h, 'fd');
    h.at('2025-03-10T04:00:00Z');
    const round = await h.desk.startRound({ site: 'fd', route: 'patrol' }, guard);
    const p2 = round.points[1];
    const early = await refusal(h.desk.reportFinding(round.id, { point: p2!.id, content: 'x' }, guard));
    expect(early.code).toBe('illegal-transition');
    await h.desk.confirmPoint(round.id, { code: r.checkpoints[0]!.code }, guard);
    await h.desk.confirmPoint(round.id, { code: r.checkpoints[1]!.code }, guard);
    h.advance(MIN);
    const out = await h.desk.reportFinding(
      round.id,
      { point: p2!.id, content: '大堂应急灯不亮', priority: 'urgent' },
      guard,
    );
    expect(out.merged).toBe(false);
    expect(out.record).toMatchObject({
      site: 'fd',
      source: 'staff',
      type: 'repair',
      trade: 'engineering',
      priority: 'urgent',
      state: 'received',
      building: 'B1',
      area: 'lobby',
      location: 'CP2 B1大堂',
      ownerId: 'guard-1',
    });
    expect(out.round.points.find((p) => p.id === p2!.id)?.findingRecordId).toBe(out.record.id);
    expect(h.events.some((e) => e.type === 'record' && e.record.id === out.record.id)).toBe(true);
  });

  it('counts a missed round late, though its start limit outlasted it and never breached', async () => {
    const h = get();
    await seedSite(h, 'ms');
    // Longer to start than a day: the next day's round makes this one missed first, and being
    // missed voids its start deadline, so no breach says it was late.
    await h.desk.replaceSiteLimits('ms', {
      overrides: [{ step: 'round_start', limitMs: 2 * 24 * 60 * MIN }],
    });
    h.at('2025-03-10T12:00:00Z');
    await route(h, 'ms');
    await h.desk.addRoundSchedule({ site: 'ms', route: 'patrol', starts: '04:00' });
    h.at('2025-03-10T20:00:00Z');
    await h.desk.tick();
    h.at('2025-03-11T20:00:00Z');
    await h.desk.tick();
    const [second, first] = await h.desk.listRounds({ site: 'ms' });
    expect([first!.state, second!.state]).toEqual(['missed', 'due']);
    expect((await h.desk.getRound(first!.id)).deadlines.map((d) => d.breachedAt)).toEqual([null]);
    const stats = await h.desk.stats({ site: 'ms', period: 'day', date: '2025-03-11' });
    expect(stats.rates.roundsOnTime).toEqual({ numerator: 0, denominator: 1, rate: 0 });
  });

  it('heads the scheduled night round with the lighting and lift faults seen overnight', async () => {
    const h = get();
    await seedSite(h, 'nt');
    const dev = (id: string, kind: 'lift' | 'pump' | 'lighting', location: string) =>
      h.records.addDevice({ id, site: 'nt', kind, location, secret: SECRET, building: 'B1' });
    h.at('2025-03-08T00:00:00Z');
    await dev('nt-light-1', 'lighting', '1号楼路灯回路');
    await dev('nt-light-2', 'lighting', '车库照明');
    await dev('nt-lift-1', 'lift', '1号楼1号梯');
    await dev('nt-pump-1', 'pump', 'B2泵房');
    const fault = async (deviceId: string, faultCode: string, iso: string) => {
      h.at(iso);
      const f = { deviceId, faultCode, priority: 'normal' as const, trade: 'engineering' as const };
      return (
        await h.desk.raiseDeviceFault({ ...f, idempotencyKey: `nt-${deviceId}-${iso}`, occurredAt: iso })
      ).record;
    };
    // Two days ago, recovered: not overnight, not open-and-faulty.
    await fault('nt-light-2', 'circuit_trip', '2025-03-08T12:00:00Z');
    await h.desk.noteRecovery({
      deviceId: 'nt-light-2',
      faultCode: 'circuit_trip',
      recoveredAt: '2025-03-08T13:00:00Z',
    });
    const lamp = await fault('nt-light-1', 'circuit_trip', '2025-03-10T15:30:00Z'); // 23:30 local
    const lift = await fault('nt-lift-1', 'door_open_failure', '2025-03-10T18:10:00Z'); // 02:10 local
    await fault('nt-pump-1', 'pump_fault', '2025-03-10T18:20:00Z'); // not a kind this round checks

    h.at('2025-03-10T12:00:00Z');
    const r = await h.desk.addRoute({
      site: 'nt',
      id: 'night-lighting',
      name: '夜间照明巡查',
      trade: 'security',
      faultKinds: ['lighting', 'lift'],
      checkpoints: [{ name: 'CP1 北门' }, { name: 'CP2 中心花园', location: '花园路灯' }],
    });
    await h.desk.addRoundSchedule({ site: 'nt', route: 'night-lighting', starts: '04:00' });
    h.at('2025-03-10T19:59:00Z'); // 03:59 local: not yet
    await h.desk.tick();
    expect(await h.desk.listRounds({ site: 'nt' })).toEqual([]);
    h.at('2025-03-10T20:00:00Z');
    await h.desk.tick();
    await h.desk.tick(); // once per schedule and time
    const due = await h.desk.listRounds({ site: 'nt' });
    expect(due).toHaveLength(1);
    expect(due[0]).toMatchObject({ state: 'due', assigneeId: 'guard-1', trade: 'security' });
    expect(due[0]!.dueAt.toISOString()).toBe('2025-03-10T20:00:00.000Z');

    h.at('2025-03-10T20:16:00Z'); // not started within 15 min
    const late = (await h.desk.tick()).filter((b) => b.subject === 'round');
    expect(late.map((b) => b.step)).toEqual(['round_start']);
    const round = await h.desk.startRound({ round: due[0]!.id }, guard);
    expect(round.points.map((p) => [p.seq, p.deviceId, p.recordId])).toEqual([
      [-2, 'nt-light-1', lamp.id],
      [-1, 'nt-lift-1', lift.id],
      [1, null, null],
      [2, null, null],
    ]);
    expect(round.points[0]).toMatchObject({ faultCode: 'circuit_trip', location: '1号楼路灯回路' });
    expect(round.deadlineAt?.toISOString()).toBe('2025-03-10T21:16:00.000Z'); // round_finish: 60 min
    // A faulty device is confirmed by a tap after looking at it; the checkpoints by their codes.
    await h.desk.confirmPoint(round.id, { point: round.points[0]!.id, note: '回路跳闸，已报修' }, guard);
    const mid = await h.desk.confirmPoint(round.id, { code: r.checkpoints[0]!.code }, guard);
    expect(states(mid)).toEqual(['confirmed', 'missed', 'confirmed', 'due']);
    // A finding at the lamp joins the lamp's open device record instead of a second dispatch.
    const finding = await h.desk.reportFinding(
      round.id,
      { point: round.points[0]!.id, content: '灯杆倾斜' },
      guard,
    );
    expect(finding).toMatchObject({ merged: true, record: { id: lamp.id } });
    const done = await h.desk.finishRound(round.id, sup);
    expect(states(done)).toEqual(['confirmed', 'missed', 'confirmed', 'missed']);
    expect(done).toMatchObject({ state: 'finished', late: false, finishedBy: 'sup-eng' });
    const stats = await h.desk.stats({ site: 'nt', period: 'day', date: '2025-03-11' });
    expect(stats.rates.roundCompletion).toEqual({ numerator: 2, denominator: 4, rate: 0.5 });
    expect(stats.rates.roundsOnTime).toEqual({ numerator: 0, denominator: 1, rate: 0 });

    // The next night's round is never started: it is missed when the one after comes due.
    h.at('2025-03-11T20:00:00Z');
    await h.desk.tick();
    const [second] = await h.desk.listRounds({ site: 'nt', state: ['due'] });
    expect(second!.dueAt.toISOString()).toBe('2025-03-11T20:00:00.000Z');
    h.at('2025-03-12T20:00:00Z');
    await h.desk.tick();
    expect((await h.desk.listRounds({ site: 'nt' })).map((x) => [x.dueAt.toISOString(), x.state])).toEqual([
      ['2025-03-12T20:00:00.000Z', 'due'],
      ['2025-03-11T20:00:00.000Z', 'missed'],
      ['2025-03-10T20:00:00.000Z', 'finished'],
    ]);
    const missed = await h.desk.getRound(second!.id);
    expect(missed.history.map((e) => [e.action, e.to])).toEqual([
      ['schedule', 'due'],
      ['breach', 'due'],
      ['miss', 'missed'],
    ]);
    const never = await h.desk.stats({ site: 'nt', period: 'day', date: '2025-03-12' });
    expect(never.rates.roundCompletion).toEqual({ numerator: 0, denominator: 2, rate: 0 });
    expect(never.rates.roundsOnTime).toEqual({ numerator: 0, denominator: 1, rate: 0 });
    expect((await refusal(h.desk.startRound({ round: second!.id }, guard))).code).toBe('illegal-transition');
  });
}
