/** The two reads the front desk's screens need beside the records: pending deadlines and allowed actions. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from '../api/support.ts';
import { ADMIN, asSession, openTestApi, raiseEntrapment, seedEstate, signIn } from './support.ts';

describe('deadlines and allowed actions', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await openTestApi();
    await seedEstate(t);
    await t.call(ADMIN, 'POST', '/sites', { id: 'other', name: 'Other' });
  });
  afterAll(async () => t?.close());

  it('lists a site’s pending deadlines soonest first, and only that site’s', async () => {
    const { record, alert } = await raiseEntrapment(t, 'dl-1');
    const res = await t.call(ADMIN, 'GET', '/deadlines?site=estate-1');
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { subject: string; subjectId: number; dueAt: string; step: string }[];
    expect(items.some((d) => d.subject === 'record' && d.subjectId === record.id)).toBe(true);
    expect(items.some((d) => d.subject === 'alert' && d.subjectId === alert.id)).toBe(true);
    const times = items.map((d) => Date.parse(d.dueAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect((await t.call(ADMIN, 'GET', '/deadlines?site=other')).json().items).toEqual([]);
    await t.desk!.transition(
      record.id,
      'dispatch',
      { id: 'desk-1', role: 'front_desk' },
      { assigneeId: 'eng-1' },
    );
    const after = (await t.call(ADMIN, 'GET', '/deadlines?site=estate-1')).json().items;
    expect(
      after.find(
        (d: { subjectId: number; step: string }) => d.subjectId === record.id && d.step === 'dispatch',
      ),
    ).toBeUndefined();
  });

  it('answers exactly the actions the lifecycle allows this person now', async () => {
    const { record } = await raiseEntrapment(t, 'aa-1', 'alarm_button');
    const desk = asSession(t, await signIn(t, 'desk-1', 'pw-desk-1-secret'));
    const eng = asSession(t, await signIn(t, 'eng-1', 'pw-eng-1-secret'));
    const guard = asSession(t, await signIn(t, 'guard-1', 'pw-guard-1-secret'));
    const allowed = async (call: typeof desk) =>
      (await call('GET', `/records/${record.id}/allowed-actions`)).json().items;
    // answer is for complaints only: the step's own check, not the table's roles and states.
    expect(await allowed(desk)).toEqual(['dispatch', 'reclassify', 'note', 'cancel']);
    expect(await allowed(eng)).toEqual(['note']);
    await desk('POST', `/records/${record.id}/actions/dispatch`, { assigneeId: 'eng-1' });
    // An emergency may go first and sign later: arrive straight from dispatched.
    expect(await allowed(eng)).toEqual(['acknowledge', 'call_resident', 'arrive', 'note']);
    expect(await allowed(desk)).toEqual(['reassign', 'reclassify', 'call_resident', 'note', 'cancel']);
    expect(await allowed(guard)).toEqual(['note']);
    const normal = await t.call(ADMIN, 'POST', '/records', {
      site: 'estate-1',
      source: 'call',
      type: 'repair',
      trade: 'engineering',
      content: 'tap drips',
    });
    const id = normal.json().record.id;
    await desk('POST', `/records/${id}/actions/dispatch`, { assigneeId: 'eng-1' });
    expect(await (await eng('GET', `/records/${id}/allowed-actions`)).json().items).toEqual([
      'acknowledge',
      'call_resident',
      'note',
    ]);
    expect((await eng('GET', '/records/999999/allowed-actions')).statusCode).toBe(404);
  });
});
