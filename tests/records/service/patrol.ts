/** Patrol alerts for guards: their states, roles and their own clock. */
import { expect, it } from 'vitest';
import { desk, eng, guard, type Harness, MIN, refusal, seedSite, sup } from './harness.ts';
import { call } from './lifecycle.ts';

const SECRET = 'test-secret-0123456789';

export function patrolTests(get: () => Harness) {
  it("refuses another site's idempotency key and a device of another site, and shows neither site's alert", async () => {
    const h = get();
    await seedSite(h, 'pat-a');
    await seedSite(h, 'pat-b');
    await h.records.addDevice({ id: 'pat-a-nvr', site: 'pat-a', kind: 'cctv', secret: SECRET });
    const a = await h.desk.raisePatrolAlert({ site: 'pat-a', code: 'intrusion', idempotencyKey: 'pat-k1' });
    const other = await refusal(
      h.desk.raisePatrolAlert({ site: 'pat-b', code: 'intrusion', idempotencyKey: 'pat-k1' }),
    );
    expect(other.code).toBe('invalid-input');
    expect(other.message).not.toContain('pat-a');
    expect(
      (await h.desk.raisePatrolAlert({ site: 'pat-a', code: 'intrusion', idempotencyKey: 'pat-k1' })).id,
    ).toBe(a.id);
    const foreign = await refusal(
      h.desk.raisePatrolAlert({ site: 'pat-b', deviceId: 'pat-a-nvr', code: 'intrusion' }),
    );
    expect(foreign.code).toBe('invalid-input');
    expect((await h.desk.listAlerts({ site: 'pat-b' })).alerts).toHaveLength(0);
  });

  it('runs patrol alerts: raised, acknowledged, on scene, resolved or false alarm, on their own clock', async () => {
    const h = get();
    await seedSite(h, 'src-patrol');
    await h.records.addDevice({
      id: 'src-nvr-1',
      site: 'src-patrol',
      kind: 'cctv',
      location: '北门',
      secret: SECRET,
    });
    h.at('2025-03-10T14:00:00Z');
    const t0 = h.clock.t;
    const a = await h.desk.raisePatrolAlert({
      deviceId: 'src-nvr-1',
      code: 'intrusion',
      idempotencyKey: 'p1',
    });
    expect(a).toMatchObject({
      site: 'src-patrol',
      state: 'raised',
      title: 'src-nvr-1: 区域入侵',
      location: '北门',
      priority: 'emergency',
    });
    expect(
      (await h.desk.raisePatrolAlert({ deviceId: 'src-nvr-1', code: 'intrusion', idempotencyKey: 'p1' })).id,
    ).toBe(a.id);
    expect((await refusal(h.desk.transitionAlert(a.id, 'acknowledge', eng))).code).toBe('forbidden');
    expect((await refusal(h.desk.transitionAlert(a.id, 'resolve', guard, { note: 'x' }))).code).toBe(
      'illegal-transition',
    );
    h.clock.t = t0 + 60_000;
    await h.desk.transitionAlert(a.id, 'acknowledge', guard);
    expect(
      (await refusal(h.desk.transitionAlert(a.id, 'arrive', { id: 'guard-2', role: 'guard' }))).code,
    ).toBe('forbidden');
    h.clock.t = t0 + 8 * MIN;
    await h.desk.transitionAlert(a.id, 'arrive', guard);
    expect((await refusal(h.desk.transitionAlert(a.id, 'resolve', guard))).code).toBe('invalid-input');
    const done = await h.desk.transitionAlert(a.id, 'resolve', sup, { note: '外卖员误入，已劝离' });
    expect(done).toMatchObject({ state: 'resolved', guardId: 'guard-1', note: '外卖员误入，已劝离' });
    const full = await h.desk.getAlert(a.id);
    expect(full.history.map((e) => [e.from, e.to])).toEqual([
      [null, 'raised'],
      ['raised', 'acknowledged'],
      ['acknowledged', 'on_scene'],
      ['on_scene', 'resolved'],
    ]);

    h.clock.t = t0;
    const { record } = await h.desk.createRecord(
      call('src-patrol', { trade: 'security', content: '北门摄像头被遮挡' }),
      desk,
    );
    const b = await h.desk.raisePatrolAlert({
      deviceId: 'src-nvr-1',
      code: 'tamper',
      priority: 'urgent',
      recordId: record.id,
    });
    expect(b.recordId).toBe(record.id);
    const steps = async () =>
      (await h.desk.tick()).filter((x) => x.subject === 'alert' && x.subjectId === b.id).map((x) => x.step);
    h.clock.t = t0 + 3 * MIN - 1;
    expect(await steps()).toEqual([]);
    h.clock.t = t0 + 3 * MIN;
    expect([...(await steps()), ...(await steps())]).toEqual(['alert_ack']);
    h.clock.t = t0 + 11 * MIN;
    h.events.length = 0;
    await h.desk.transitionAlert(b.id, 'arrive', guard); // late: on-scene breach recorded by the arrival
    expect(
      h.events.filter((e) => e.type === 'breach').map((e) => e.type === 'breach' && e.breach.step),
    ).toEqual(['alert_on_scene']);
    expect(await steps()).toEqual([]);
    await h.desk.transitionAlert(b.id, 'false_alarm', guard, { note: '树枝遮挡' });
    expect(
      (await h.desk.listAlerts({ site: 'src-patrol', state: ['false_alarm'] })).alerts.map((x) => x.id),
    ).toEqual([b.id]);
    expect((await h.desk.listAlerts({ site: 'src-patrol' })).alerts).toHaveLength(2);
  });
}
