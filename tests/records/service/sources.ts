/** Where records come from and go to: the duty table, merging calls, device faults, patrol alerts. */
import { expect, it } from 'vitest';
import { desk, type Harness, MIN, refusal, seedSite } from './harness.ts';
import { call } from './lifecycle.ts';

const SECRET = 'test-secret-0123456789';

export function sourcesTests(get: () => Harness) {
  it('dispatches by the duty table: area before site, night shifts past midnight, weekdays, then the supervisor', async () => {
    const h = get();
    await seedSite(h, 'src-duty');
    await h.desk.addStaff({ id: 'eng-3', name: '车库电工', roles: ['engineer'], trades: ['engineering'] });
    await h.desk.addStaff({ id: 'fire-1', name: '消防值班', roles: ['engineer'], trades: ['fire'] });
    const d = h.desk;
    await d.addShift({
      site: 'src-duty',
      staffId: 'eng-3',
      trade: 'engineering',
      area: 'garage',
      weekdays: [1, 2, 3, 4, 5],
      starts: '08:00',
      ends: '20:00',
    });
    await d.addShift({
      site: 'src-duty',
      staffId: 'fire-1',
      trade: 'fire',
      weekdays: [5],
      starts: '22:00',
      ends: '06:00',
    });
    const who = (trade: string, iso: string, area?: string) =>
      d.whoIsOnDuty({ site: 'src-duty', trade, area, at: new Date(iso) });
    expect(await who('engineering', '2025-03-10T02:00:00Z')).toBe('eng-1'); // Mon 10:00 local
    expect(await who('engineering', '2025-03-10T13:00:00Z')).toBe('eng-2'); // Mon 21:00
    expect(await who('engineering', '2025-03-10T19:00:00Z')).toBe('eng-2'); // Tue 03:00, shift began Monday
    expect(await who('engineering', '2025-03-10T02:00:00Z', 'garage')).toBe('eng-3');
    expect(await who('engineering', '2025-03-15T02:00:00Z', 'garage')).toBe('eng-1'); // Saturday
    expect(await who('fire', '2025-03-14T15:00:00Z')).toBe('fire-1'); // Fri 23:00
    expect(await who('fire', '2025-03-14T19:00:00Z')).toBe('fire-1'); // Sat 03:00, Friday's night
    expect((await refusal(who('fire', '2025-03-13T19:00:00Z'))).code).toBe('no-assignee'); // Fri 03:00
    expect(await who('cleaning', '2025-03-10T02:00:00Z')).toBe('sup-eng'); // nobody on duty
    await d.updateStaff('eng-3', { active: false });
    expect(await who('engineering', '2025-03-10T02:00:00Z', 'garage')).toBe('eng-1');
    expect((await refusal(d.addStaff({ id: 'eng-3', name: 'x', roles: ['engineer'] }))).code).toBe(
      'staff-exists',
    );
    expect((await refusal(d.addStaff({ id: 'x', name: 'x', roles: ['janitor'] }))).code).toBe(
      'invalid-input',
    );
    expect(
      (
        await refusal(
          d.addShift({ site: 'src-duty', staffId: 'nobody', trade: 'fire', starts: '08:00', ends: '09:00' }),
        )
      ).code,
    ).toBe('staff-not-found');
    expect((await d.listStaff('src-duty')).map((s) => s.id)).toContain('eng-3');
  });

  it('raises device faults idempotently: one open record per device and fault, repeats as occurrences', async () => {
    const h = get();
    await seedSite(h, 'src-dev');
    await h.records.addDevice({
      id: 'src-lift-1',
      site: 'src-dev',
      kind: 'lift',
      building: 'B1',
      secret: SECRET,
    });
    h.at('2025-03-10T02:00:00Z');
    const fault = {
      deviceId: 'src-lift-1',
      faultCode: 'entrapment',
      priority: 'emergency' as const,
      trade: 'engineering' as const,
    };
    const first = await h.desk.raiseDeviceFault({
      ...fault,
      idempotencyKey: 'k1',
      occurredAt: new Date(h.clock.t - 5000),
      evidence: { floor: 7 },
    });
    expect(first).toMatchObject({ created: true, duplicate: false });
    expect(first.record).toMatchObject({
      source: 'device',
      state: 'received',
      deviceId: 'src-lift-1',
      faultCode: 'entrapment',
      occurrences: 1,
    });
    expect(first.record.title).toContain('困人');
    expect(first.record.title).toContain('src-lift-1');
    expect(first.record.content).toContain('"floor":7');
    h.events.length = 0;
    const again = await h.desk.raiseDeviceFault({
      ...fault,
      idempotencyKey: 'k1',
      occurredAt: new Date(h.clock.t),
    });
    expect(again).toMatchObject({ created: false, duplicate: true });
    expect(again.record.id).toBe(first.record.id);
    expect(h.events).toEqual([]);
    const repeat = await h.desk.raiseDeviceFault({
      ...fault,
      idempotencyKey: 'k2',
      occurredAt: new Date(h.clock.t),
    });
    expect(repeat).toMatchObject({ created: false, duplicate: false });
    expect(repeat.record.occurrences).toBe(2);
    const concurrent = await Promise.all(
      ['k3', 'k4', 'k3'].map((k) =>
        h.desk.raiseDeviceFault({ ...fault, idempotencyKey: k, occurredAt: new Date(h.clock.t) }),
      ),
    );
    expect(new Set(concurrent.map((c) => c.record.id))).toEqual(new Set([first.record.id]));
    h.advance(10 * MIN);
    const recovered = await h.desk.noteRecovery({
      deviceId: 'src-lift-1',
      faultCode: 'entrapment',
      recoveredAt: new Date(h.clock.t - MIN),
    });
    expect(recovered).toMatchObject({ noted: true });
    expect(recovered?.record.recoveredAt?.getTime()).toBe(h.clock.t - MIN);
    // A repeat (rules retrying, a replay) finds it noted and notes nothing.
    const repeated = await h.desk.noteRecovery({
      deviceId: 'src-lift-1',
      faultCode: 'entrapment',
      recoveredAt: new Date(h.clock.t),
    });
    expect(repeated).toMatchObject({ noted: false, record: { id: first.record.id } });
    expect(repeated?.record.recoveredAt?.getTime()).toBe(h.clock.t - MIN);
    const detail = await h.desk.getRecord(first.record.id);
    expect(detail.occurrences).toBe(4);
    expect(detail.history.map((e) => e.action)).toEqual([
      'create',
      'occurred',
      'occurred',
      'occurred',
      'recovered',
    ]);
    expect(detail.history.at(-1)?.note).toContain('已恢复');
    await h.desk.transition(first.record.id, 'cancel', desk, { reason: 'mistake' });
    expect(
      await h.desk.noteRecovery({ deviceId: 'src-lift-1', faultCode: 'entrapment', recoveredAt: new Date() }),
    ).toBeUndefined();
    const en = h.another({ lang: 'en' });
    const next = await en.raiseDeviceFault({
      ...fault,
      idempotencyKey: 'k5',
      occurredAt: new Date(h.clock.t),
      autoDispatch: true,
    });
    expect(next.created).toBe(true);
    expect(next.record.title).toBe('Lift src-lift-1: Passenger entrapment at B1');
    expect(next.record).toMatchObject({ state: 'dispatched', assigneeId: 'eng-1' });
    expect(
      (
        await refusal(
          h.desk.raiseDeviceFault({
            ...fault,
            deviceId: 'nope',
            idempotencyKey: 'k6',
            occurredAt: new Date(),
          }),
        )
      ).code,
    ).toBe('invalid-input');
  });

  it('times a device record from when it is entered; the first abnormal reading stays its fault time', async () => {
    const h = get();
    await seedSite(h, 'src-clock');
    await h.records.addDevice({ id: 'src-pump-3', site: 'src-clock', kind: 'pump', secret: SECRET });
    h.at('2025-03-10T02:00:00Z');
    const confirmedAfter = 60_000; // a threshold held for its confirmation time
    const { record } = await h.desk.raiseDeviceFault({
      deviceId: 'src-pump-3',
      faultCode: 'outlet_pressure_low',
      priority: 'urgent',
      trade: 'engineering',
      idempotencyKey: 'clock-1',
      occurredAt: new Date(h.clock.t - confirmedAfter),
    });
    expect(record.receivedAt.getTime()).toBe(h.clock.t);
    expect(record.faultAt?.getTime()).toBe(h.clock.t - confirmedAfter);
    const detail = await h.desk.getRecord(record.id);
    expect(detail.deadlines.map((d) => [d.step, d.dueAt.getTime() - h.clock.t, d.breachedAt])).toEqual([
      ['record', MIN, null],
      ['dispatch', 2 * MIN, null],
    ]);
    const alert = await h.desk.raisePatrolAlert({
      deviceId: 'src-pump-3',
      recordId: record.id,
      code: 'outlet_pressure_low',
      priority: 'emergency',
      idempotencyKey: 'clock-1/alert',
      occurredAt: new Date(h.clock.t - confirmedAfter),
    });
    expect(alert.raisedAt.getTime()).toBe(h.clock.t);
    expect(alert.occurredAt?.getTime()).toBe(h.clock.t - confirmedAfter);
  });

  it('a fault that comes back clears the recovery until the next one, and each outage is downtime', async () => {
    const h = get();
    await seedSite(h, 'src-again');
    h.at('2025-03-10T00:00:00Z');
    await h.records.addDevice({ id: 'src-pump-2', site: 'src-again', kind: 'pump', secret: SECRET });
    const t0 = Date.parse('2025-03-10T02:00:00Z');
    const f = {
      deviceId: 'src-pump-2',
      faultCode: 'heartbeat_lost',
      priority: 'normal' as const,
      trade: 'engineering' as const,
    };
    const recover = (at: number) =>
      h.desk.noteRecovery({ deviceId: f.deviceId, faultCode: f.faultCode, recoveredAt: new Date(at) });
    h.clock.t = t0;
    const first = await h.desk.raiseDeviceFault({
      ...f,
      idempotencyKey: 'again-1',
      occurredAt: new Date(t0),
    });
    h.clock.t = t0 + 10 * MIN;
    expect((await recover(t0 + 10 * MIN))?.record.recoveredAt?.getTime()).toBe(t0 + 10 * MIN);
    h.clock.t = t0 + 30 * MIN;
    const second = await h.desk.raiseDeviceFault({
      ...f,
      idempotencyKey: 'again-2',
      occurredAt: new Date(t0 + 30 * MIN),
    });
    expect(second.record).toMatchObject({ id: first.record.id, occurrences: 2, recoveredAt: null });
    h.clock.t = t0 + 40 * MIN;
    expect((await recover(t0 + 40 * MIN))?.record.recoveredAt?.getTime()).toBe(t0 + 40 * MIN);
    // Down 02:00-02:10 and 02:30-02:40, not the 20 minutes between; counted from 00:00Z to 16:00Z.
    h.at('2025-03-10T16:00:00Z');
    const day = await h.desk.stats({ site: 'src-again', period: 'day', date: '2025-03-10' });
    expect(day.rates.equipmentIntact).toEqual({
      numerator: 57_600 - 1_200,
      denominator: 57_600,
      rate: (57_600 - 1_200) / 57_600,
    });
  });

  it('merges a call about a device or place with an open record into it, and offers candidates', async () => {
    const h = get();
    await seedSite(h, 'src-merge');
    await h.records.addDevice({
      id: 'src-pump-1',
      site: 'src-merge',
      kind: 'pump',
      location: '地下泵房',
      secret: SECRET,
    });
    h.at('2025-03-10T02:00:00Z');
    const dev = await h.desk.raiseDeviceFault({
      deviceId: 'src-pump-1',
      faultCode: 'outlet_pressure_low',
      priority: 'urgent',
      trade: 'engineering',
      idempotencyKey: 'm1',
      occurredAt: new Date(h.clock.t),
    });
    h.advance(MIN);
    const byDevice = await h.desk.createRecord(
      call('src-merge', {
        deviceId: 'src-pump-1',
        content: '家里没有水压',
        contactName: '赵女士',
        contactPhone: '13700000000',
      }),
      desk,
    );
    expect(byDevice).toMatchObject({ merged: true });
    expect(byDevice.record.id).toBe(dev.record.id);
    const detail = await h.desk.getRecord(dev.record.id);
    expect(detail.reports).toMatchObject([
      { source: 'call', contactName: '赵女士', contactPhone: '13700000000', content: '家里没有水压' },
    ]);
    expect(detail.history.at(-1)).toMatchObject({ action: 'link_report', actorId: 'desk-1' });
    const first = await h.desk.createRecord(call('src-merge'), desk);
    const second = await h.desk.createRecord(
      call('src-merge', { contactName: '邻居', content: '楼上漏水到我家' }),
      desk,
    );
    expect(second.merged).toBe(false);
    expect(second.candidates.map((c) => [c.record.id, c.reason])).toEqual([[first.record.id, 'unit']]);
    await h.desk.transition(second.record.id, 'cancel', desk, { reason: 'duplicate' });
    const third = await h.desk.createRecord(
      call('src-merge', { merge: first.record.id, contactName: '物业保洁' }),
      desk,
    );
    expect(third).toMatchObject({ merged: true, record: { id: first.record.id } });
    const near = await h.desk.findMergeCandidates({
      site: 'src-merge',
      building: 'B1',
      floor: 12,
      unit: '1204',
    });
    expect(near.map((c) => c.reason)).toEqual(['floor']);
    expect(await h.desk.findMergeCandidates({ site: 'src-merge', area: 'garage' })).toEqual([]);
    await h.desk.transition(first.record.id, 'cancel', desk, { reason: 'mistake' });
    expect(
      (await refusal(h.desk.createRecord(call('src-merge', { merge: first.record.id }), desk))).code,
    ).toBe('illegal-transition');
    expect((await refusal(h.desk.createRecord(call('src-merge', { building: 'B9' }), desk))).code).toBe(
      'building-not-found',
    );
    expect(
      (await refusal(h.desk.createRecord({ ...call('src-merge'), source: 'device' } as never, desk))).code,
    ).toBe('invalid-input');
  });
}
