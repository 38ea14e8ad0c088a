/**
 * Maintenance plans over the API: a plan added, its job generated and dispatched by the duty table,
 * the checklist answered on site with a fault that becomes a linked repair record, the calendar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody, TINY_PNG } from '../console/support.ts';
import { ADMIN, openTestApi, type TestApi } from './support.ts';

describe('maintenance plans', () => {
  let t: TestApi;
  let sup: string;
  let eng: string;
  let other: string;

  beforeAll(async () => {
    t = await openTestApi();
    t.clock.t = Date.parse('2025-03-03T02:00:00Z'); // 10:00 in Shanghai
    await t.call(ADMIN, 'POST', '/sites', { id: 'estate-1', name: 'S' });
    await t.call(ADMIN, 'POST', '/devices', { id: 'lift-1', site: 'estate-1', kind: 'lift' });
    await t.desk!.addStaff({ id: 'eng-zhang', name: '张工', roles: ['engineer'], trades: ['engineering'] });
    await t.desk!.addShift({
      site: 'estate-1',
      staffId: 'eng-zhang',
      trade: 'engineering',
      starts: '00:00',
      ends: '00:00',
    });
    sup = await t.token(['supervisor'], 'sup-1');
    eng = await t.token(['engineer'], 'eng-zhang');
    other = await t.token(['engineer'], 'eng-other');
  });
  afterAll(async () => t?.close());

  it('adds a plan with the template’s interval and refuses a bad one', async () => {
    const res = await t.call(sup, 'POST', '/plans', {
      site: 'estate-1',
      scope: 'device',
      device: 'lift-1',
      template: 'lift-half-monthly',
      startsOn: '2025-03-05',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      every: { count: 15, unit: 'day' },
      leadDays: 3,
      createdBy: 'sup-1',
      kind: 'lift',
    });
    const bad = await t.call(sup, 'POST', '/plans', {
      site: 'estate-1',
      scope: 'device',
      template: 'lift-half-monthly',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid-input');
    const list = (await t.call(eng, 'GET', '/plans?site=estate-1')).json();
    expect(list.items).toHaveLength(1);
  });

  it('generates the job, answers its checklist on site, and links the fault found', async () => {
    const [job] = await t.desk!.generateDueJobs();
    expect(job).toMatchObject({
      type: 'maintenance',
      source: 'plan',
      state: 'dispatched',
      assigneeId: 'eng-zhang',
    });
    const items = (await t.call(eng, 'GET', `/records/${job!.id}/checklist`)).json().items;
    expect(items.length).toBe(15);
    const early = await t.call(eng, 'PUT', `/records/${job!.id}/checklist/1`, { result: 'done' });
    expect(early.statusCode).toBe(409); // not on site yet
    for (const a of ['acknowledge', 'arrive'])
      await t.call(eng, 'POST', `/records/${job!.id}/actions/${a}`, {});
    const notTheirs = await t.call(other, 'PUT', `/records/${job!.id}/checklist/1`, { result: 'done' });
    expect(notTheirs.statusCode).toBe(403);
    const fault = await t.call(eng, 'PUT', `/records/${job!.id}/checklist/5`, {
      result: 'fault',
      note: '制动器间隙 0.9 mm',
    });
    expect(fault.statusCode, fault.body).toBe(200);
    const faultId = fault.json().faultRecordId;
    const repair = (await t.call(eng, 'GET', `/records/${faultId}`)).json();
    expect(repair).toMatchObject({
      type: 'repair',
      jobId: job!.id,
      deviceId: 'lift-1',
      assigneeId: 'eng-zhang',
    });
    const extra = await t.call(eng, 'POST', `/records/${job!.id}/faults`, { content: '轿厢照明一盏不亮' });
    expect(extra.statusCode).toBe(201);
    expect(extra.json()).toMatchObject({ jobId: job!.id, type: 'repair' });
    // A photo of an item: one of the job's own attachments, not another record's.
    const upload = async (id: number) => {
      const { payload, contentType } = multipartBody(
        { label: 'after' },
        { name: 'item.png', type: 'image/png', data: TINY_PNG },
      );
      const res = await t.app.inject({
        method: 'POST',
        url: `/records/${id}/attachments`,
        headers: { authorization: `Bearer ${eng}`, 'content-type': contentType },
        payload,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as number;
    };
    const photo = await upload(job!.id);
    const withPhoto = await t.call(eng, 'PUT', `/records/${job!.id}/checklist/1`, {
      result: 'done',
      attachmentId: photo,
    });
    expect(withPhoto.json().item).toMatchObject({
      result: 'done',
      attachmentId: photo,
      checkedBy: 'eng-zhang',
    });
    const elsewhere = await upload(faultId);
    const wrong = await t.call(eng, 'PUT', `/records/${job!.id}/checklist/2`, {
      result: 'done',
      attachmentId: elsewhere,
    });
    expect(wrong.statusCode).toBe(400);
    const notJob = await t.call(eng, 'GET', `/records/${faultId}/checklist`);
    expect(notJob.json().error.code).toBe('not-a-job');

    await t.call(eng, 'POST', `/records/${job!.id}/actions/plan`, { durationMin: 60, residentAgreed: true });
    await t.call(eng, 'POST', `/records/${job!.id}/actions/start`, {});
    const incomplete = await t.call(eng, 'POST', `/records/${job!.id}/actions/complete`, { workMinutes: 50 });
    expect(incomplete.statusCode).toBe(409);
    expect(incomplete.json().error.code).toBe('checklist-incomplete');
    for (const i of items)
      if (i.position !== 5)
        await t.call(eng, 'PUT', `/records/${job!.id}/checklist/${i.position}`, { result: 'done' });
    const done = await t.call(eng, 'POST', `/records/${job!.id}/actions/complete`, { workMinutes: 50 });
    expect(done.json().state).toBe('awaiting_acceptance');
  });

  it('lists the month’s calendar, generated and to come, and ends a plan', async () => {
    const cal = (await t.call(eng, 'GET', '/plan-calendar?site=estate-1&month=2025-03')).json().items;
    expect(
      cal.map((c: { dueDate: string; recordId: number | null }) => [c.dueDate, c.recordId !== null]),
    ).toEqual([
      ['2025-03-05', true],
      ['2025-03-20', false],
    ]);
    const plans = (await t.call(eng, 'GET', '/plans')).json().items;
    const ended = await t.call(sup, 'PATCH', `/plans/${plans[0].id}`, { state: 'ended' });
    expect(ended.json().endedBy).toBe('sup-1');
    expect((await t.call(sup, 'PATCH', `/plans/${plans[0].id}`, { state: 'ended' })).statusCode).toBe(409);
    expect((await t.call(eng, 'GET', '/plans')).json().items).toEqual([]);
  });
});
