/** Escalation until acknowledged, on the desk's own SLA limits and the fake clock. */
import { expect, it } from 'vitest';
import type { Actor } from '../../src/records/service/index.ts';
import { type NotifyHarness, outbox, SITE } from './harness.ts';
import { call } from './outbox.ts';

const DESK: Actor = { id: 'desk-1', role: 'front_desk' };
const S = 1000;

async function told(h: NotifyHarness, subject: string, id: number, event = 'reminder') {
  const rows = await outbox(h, "subject = $1 AND subject_id = $2 AND event = $3 AND channel = 'sms'", [
    subject,
    id,
    event,
  ]);
  return rows.map((r) => r.staffId);
}

export function escalationTests(get: () => NotifyHarness) {
  it('an emergency slip not signed for goes again to the assignee and to the trade supervisor on time, then the managers', async () => {
    const h = get();
    const { record } = await h.desk.createRecord(call({ content: '电梯困人', priority: 'emergency' }), DESK);
    await h.desk.transition(record.id, 'dispatch', DESK, { assigneeId: 'eng-1' });
    const dispatched = h.clock.t;
    h.clock.t = dispatched + 60 * S - 1; // the acknowledge limit is 1 min
    await h.desk.tick();
    expect(await told(h, 'record', record.id)).toEqual([]);
    h.clock.t = dispatched + 60 * S;
    await h.desk.tick();
    expect(await told(h, 'record', record.id)).toEqual(['eng-1', 'sup-eng']);
    h.clock.t += 60 * S;
    await h.desk.tick();
    expect(await told(h, 'record', record.id)).toEqual(['eng-1', 'sup-eng', 'eng-1', 'mgr-1']);
    h.clock.t += 10 * 60 * S;
    await h.desk.tick();
    expect(await told(h, 'record', record.id)).toHaveLength(4); // the chain ends at the managers
    const history = (await h.desk.getRecord(record.id)).history.filter((e) => e.action === 'notify_escalate');
    expect(history.map((e) => (e.data as { level: number }).level)).toEqual([1, 2]);
    expect(history[0]!.note).toBe('not acknowledged: told eng-1, sup-eng');
    await h.drain();
    const date = new Date(h.clock.t + 8 * 3600_000).toISOString().slice(0, 10); // Shanghai's day
    const stats = await h.desk.stats({ site: SITE, period: 'day', date });
    expect(stats.notifyEscalations).toBeGreaterThanOrEqual(2);
  });

  it('a missed deadline is told to the trade supervisor, naming the step', async () => {
    const h = get();
    const { record } = await h.desk.createRecord(call({ content: '地库排水泵不转' }), DESK);
    h.clock.t += 2 * 60 * S; // the dispatch limit
    await h.desk.tick();
    expect(await told(h, 'record', record.id, 'breach')).toEqual(['sup-eng']);
    await h.drain();
    const sms = h.receivers.received.filter(
      (r) => r.path === '/sms' && JSON.stringify(r.body).includes(`超时 #${record.id}`),
    );
    expect(sms.map((r) => r.body.to)).toEqual(['13800000009']);
    expect(JSON.stringify(sms[0]!.body)).toContain('（派单超时）');
  });

  it('an acknowledgement stops the chain', async () => {
    const h = get();
    const { record } = await h.desk.createRecord(
      call({ content: '水泵房进水', priority: 'emergency' }),
      DESK,
    );
    await h.desk.transition(record.id, 'dispatch', DESK, { assigneeId: 'eng-1' });
    h.clock.t += 30 * S;
    await h.desk.transition(record.id, 'acknowledge', { id: 'eng-1', role: 'engineer' });
    h.clock.t += 5 * 60 * S;
    await h.desk.tick();
    expect(await told(h, 'record', record.id)).toEqual([]);
    expect((await h.desk.getRecord(record.id)).history.map((e) => e.action)).not.toContain('notify_escalate');
  });

  it('a patrol alert not acknowledged goes to the next guard on duty, then the security supervisor; acknowledging stops it', async () => {
    const h = get();
    const alert = await h.desk.raisePatrolAlert({ site: SITE, code: 'tamper', title: '摄像头被遮挡' });
    expect(await told(h, 'alert', alert.id, 'alert')).toEqual(['guard-1']);
    h.clock.t += 90 * S; // alert_ack_emergency
    await h.desk.tick();
    expect(await told(h, 'alert', alert.id)).toEqual(['guard-2']);
    h.clock.t += 90 * S;
    await h.desk.tick();
    expect(await told(h, 'alert', alert.id)).toEqual(['guard-2', 'sup-sec']);
    const history = (await h.desk.getAlert(alert.id)).history.filter((e) => e.action === 'notify_escalate');
    expect(history).toHaveLength(2);

    const other = await h.desk.raisePatrolAlert({ site: SITE, code: 'intrusion', title: '围墙入侵' });
    h.clock.t += 60 * S;
    await h.desk.transitionAlert(other.id, 'acknowledge', { id: 'guard-1', role: 'guard' });
    h.clock.t += 5 * 60 * S;
    await h.desk.tick();
    expect(await told(h, 'alert', other.id)).toEqual([]);
    await h.drain();
  });
}
