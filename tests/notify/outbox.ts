/** The outbox: written with the change, delivered with retries, in order per person, once per key. */
import { expect, it } from 'vitest';
import { OutboxSender } from '../../src/notify/sender.ts';
import type { Actor } from '../../src/records/service/index.ts';
import { MIN, type NotifyHarness, outbox, SITE, silent } from './harness.ts';

const DESK: Actor = { id: 'desk-1', role: 'front_desk' };
export const call = (over: Record<string, unknown> = {}) => ({
  site: SITE,
  source: 'call' as const,
  type: 'repair' as const,
  trade: 'engineering' as const,
  priority: 'normal' as const,
  content: '1号楼电梯异响',
  building: 'B1',
  location: '1号楼2单元',
  ...over,
});

export function outboxTests(get: () => NotifyHarness) {
  it('a dispatch writes its notifications in the same transaction; a refused action writes none', async () => {
    const h = get();
    const before = (await outbox(h)).length;
    const { record } = await h.desk.createRecord(call(), DESK);
    expect(await outbox(h)).toHaveLength(before);
    await h.desk.transition(record.id, 'dispatch', DESK, { assigneeId: 'eng-1' });
    const rows = await outbox(h, 'subject_id = $1', [record.id]);
    expect(rows.map((r) => [r.channel, r.target, r.event, r.state])).toEqual([
      ['sms', '13800000001', 'dispatch', 'queued'],
      ['webhook', 'hook', 'dispatch', 'queued'],
      ['dingtalk', 'eng', 'dispatch', 'queued'],
      ['feishu', 'mgmt', 'dispatch', 'queued'],
    ]);
    // acknowledge by someone else is refused: its transaction, and any notification, rolls back
    await expect(
      h.desk.transition(record.id, 'acknowledge', { id: 'eng-2', role: 'engineer' }),
    ).rejects.toThrow();
    expect(await outbox(h, 'subject_id = $1', [record.id])).toHaveLength(4);

    await h.drain();
    const sent = await outbox(h, 'subject_id = $1', [record.id]);
    expect(sent.every((r) => r.state === 'sent' && r.attempts === 1)).toBe(true);
    expect(h.receivers.refused).toEqual([]);
    const got = h.receivers.received.filter((r) => JSON.stringify(r.body).includes(`#${record.id}`));
    expect(got.map((r) => r.path).sort()).toEqual(['/dingtalk', '/feishu', '/sms', '/webhook']);
    const hook = got.find((r) => r.path === '/webhook')!;
    expect(hook.key).toBe(sent.find((r) => r.channel === 'webhook')!.key);
    expect(hook.body).toMatchObject({
      event: 'dispatch',
      subject: 'record',
      subjectId: record.id,
      site: SITE,
    });
    expect(hook.body.link).toBe(`https://fm.example.com/m/records/${record.id}`);
    expect(hook.body.text).toBe(`新派单 #${record.id}: 1号楼电梯异响（1号楼2单元）`);
    const ding = got.find((r) => r.path === '/dingtalk')!;
    expect(ding.body).toMatchObject({
      msgtype: 'markdown',
      at: { atMobiles: ['13800000001'], isAtAll: false },
    });
    expect(JSON.stringify(ding.body)).toContain('@13800000001');
    const sms = got.find((r) => r.path === '/sms')!;
    expect(sms.body).toMatchObject({ to: '13800000001', template_id: 'SMS_1', out_id: sms.key });
  });

  it('a patrol alert reaches the guard on duty in the security chat, by @mobile (WeCom text)', async () => {
    const h = get();
    const alert = await h.desk.raisePatrolAlert({
      site: SITE,
      code: 'intrusion',
      title: '北门入侵',
      location: '北门',
    });
    await h.drain();
    const rows = await outbox(h, "subject = 'alert' AND subject_id = $1", [alert.id]);
    expect(rows.map((r) => [r.channel, r.target, r.staffId])).toEqual([
      ['sms', '13900000001', 'guard-1'],
      ['webhook', 'hook', null],
      ['wecom', 'sec', null],
      ['feishu', 'mgmt', null],
    ]);
    const wecom = h.receivers.received.find(
      (r) => r.path === '/wecom' && JSON.stringify(r.body).includes(`警报${alert.id}`),
    )!;
    expect(wecom.body).toMatchObject({
      msgtype: 'text',
      text: { mentioned_mobile_list: ['13900000001'] },
    });
    expect((wecom.body.text as { content: string }).content).toContain(`/m/alerts#alert-${alert.id}`);
    await h.desk.transitionAlert(alert.id, 'acknowledge', { id: 'guard-1', role: 'guard' });
  });

  it('a receiver down for 10 minutes: everything arrives once it is back, in order per person, once each; one warning', async () => {
    const h = get();
    await h.drain();
    const first = (await outbox(h)).length;
    h.receivers.down = true;
    const warnedBefore = h.sender.health.warnings;
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { record } = await h.desk.createRecord(call({ content: `停电 ${i}` }), DESK);
      await h.desk.transition(record.id, 'dispatch', DESK, { assigneeId: 'eng-1' });
      ids.push(record.id);
      h.clock.t += 5_000;
      await h.sender.tick();
    }
    const end = h.clock.t + 10 * MIN;
    while (h.clock.t < end) {
      h.clock.t += 10_000;
      await h.sender.tick();
    }
    const waiting = await outbox(h, 'id > $1', [first]);
    // Per queue, only the head was tried: the ones behind it wait their turn.
    for (const queue of new Set(waiting.map((r) => r.queue))) {
      const [head, ...behind] = waiting.filter((r) => r.queue === queue);
      expect(head).toMatchObject({ state: 'failed' });
      expect(head!.attempts).toBeGreaterThan(3);
      expect(behind.map((r) => [r.state, r.attempts])).toEqual(behind.map(() => ['queued', 0]));
    }
    expect(h.sender.health.warnings - warnedBefore).toBe(4); // one per receiver: sms, hook, eng, mgmt
    expect(h.warnings.filter((w) => w.startsWith('notification receiver is down'))).toHaveLength(4);

    h.receivers.down = false;
    const seen = h.receivers.received.length;
    for (let i = 0; i < 40; i++) {
      h.clock.t += 60_000;
      await h.drain();
    }
    const done = await outbox(h, 'id > $1', [first]);
    expect(done.every((r) => r.state === 'sent')).toBe(true);
    const arrived = h.receivers.received.slice(seen);
    const keys = arrived.filter((r) => r.key).map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    const smsOrder = arrived
      .filter((r) => r.path === '/sms')
      .map((r) => String((r.body.params as { text: string }).text));
    expect(smsOrder.map((t) => /#(\d+)/.exec(t)![1]).map(Number)).toEqual(ids);
    expect(h.sender.health.warnings - warnedBefore).toBe(4);
  });

  it('a resident’s QR report is told to the site’s and trade’s group chats', async () => {
    const h = get();
    const { record } = await h.desk.createRecord(call({ content: '电梯按钮失灵' }), {
      id: 'qr',
      role: 'service',
    });
    const rows = await outbox(h, 'subject_id = $1', [record.id]);
    expect(rows.map((r) => [r.event, r.channel, r.staffId])).toEqual([
      ['report', 'webhook', null],
      ['report', 'dingtalk', null],
      ['report', 'feishu', null],
    ]);
  });

  it("words a site's notifications in the site's language, else the platform's", async () => {
    const h = get();
    const titles = async (id: number) =>
      (
        await h.records.db.query<{ title: string }>(
          "SELECT message->>'title' AS title FROM notify_outbox WHERE subject_id = $1 AND event = 'report'",
          [id],
        )
      ).map((r) => r.title);
    const qr = { id: 'qr', role: 'service' as const };
    const before = await h.desk.createRecord(call({ content: '灯不亮' }), qr);
    expect(await titles(before.record.id)).toContain(`业主报事 #${before.record.id}`);
    await h.records.db.query("UPDATE sites SET lang = 'en' WHERE id = $1", [SITE]);
    try {
      const after = await h.desk.createRecord(call({ content: 'lights out' }), qr);
      expect(await titles(after.record.id)).toContain(`Resident report #${after.record.id}`);
    } finally {
      await h.records.db.query('UPDATE sites SET lang = NULL WHERE id = $1', [SITE]);
    }
  });

  it('a call joining an open record is told to whoever holds it, and the group chats', async () => {
    const h = get();
    const { record } = await h.desk.createRecord(call({ content: '3号楼电梯异响' }), DESK);
    await h.desk.transition(record.id, 'dispatch', DESK, { assigneeId: 'eng-1' });
    const joined = await h.desk.createRecord(call({ content: '电梯还在响', merge: record.id }), DESK);
    expect(joined.merged).toBe(true);
    const rows = await outbox(h, "subject_id = $1 AND event = 'report'", [record.id]);
    expect(rows.map((r) => r.staffId ?? r.channel).sort()).toEqual([
      'dingtalk',
      'eng-1',
      'feishu',
      'webhook',
    ]);
  });

  it('four senders on one database send each notification once, in order per person', async () => {
    const h = get();
    await h.drain();
    const seen = h.receivers.received.length;
    const ids: Record<string, number[]> = { 'eng-1': [], 'eng-2': [] };
    for (let i = 0; i < 24; i++) {
      const who = i % 2 === 0 ? 'eng-1' : 'eng-2';
      const { record } = await h.desk.createRecord(call({ content: `巡检 ${i}` }), DESK);
      await h.desk.transition(record.id, 'dispatch', DESK, { assigneeId: who });
      ids[who]!.push(record.id);
    }
    const others = [1, 2, 3].map(
      () =>
        new OutboxSender({
          db: h.records.db,
          log: silent,
          options: h.options,
          now: () => h.clock.t,
        }),
    );
    for (let i = 0; i < 20; i++) await Promise.all([h.sender.tick(), ...others.map((o) => o.tick())]);
    for (const o of others) await o.stop();
    const arrived = h.receivers.received.slice(seen);
    const keys = arrived.map((r) => r.key).filter(Boolean);
    expect(keys).toHaveLength(new Set(keys).size);
    expect(arrived).toHaveLength(24 * 4); // sms, webhook, dingtalk, feishu each
    for (const [who, phone] of [
      ['eng-1', '13800000001'],
      ['eng-2', '13800000002'],
    ] as const) {
      const order = arrived
        .filter((r) => r.path === '/sms' && r.body.to === phone)
        .map((r) => Number(/#(\d+)/.exec(JSON.stringify(r.body))![1]));
      expect(order).toEqual(ids[who]);
    }
  });

  it('gives up after the attempts allowed, keeping the receiver\u2019s last answer', async () => {
    const h = get();
    await h.drain();
    const { record } = await h.desk.createRecord(call({ content: '配电房异味' }), DESK);
    await h.desk.transition(record.id, 'dispatch', DESK, { assigneeId: 'eng-1' });
    h.receivers.failNext = 1000;
    for (let i = 0; i < h.options.maxAttempts + 2; i++) {
      h.clock.t += h.options.retryMaxMs;
      await h.sender.tick();
    }
    h.receivers.failNext = 0;
    const rows = await outbox(h, 'subject_id = $1', [record.id]);
    expect(rows.every((r) => r.state === 'gave_up' && r.attempts === h.options.maxAttempts)).toBe(true);
    expect(rows[0]!.lastAnswer).toContain('try later');
    // The receivers were reported down once each; their give-ups are not each another warning.
    expect(h.warnings.filter((w) => w === 'notification given up')).toEqual([]);
  });

  it('holds a person’s own messages through their quiet hours, but never an emergency, nor the group chats', async () => {
    const h = get();
    await h.drain();
    await h.desk.updateStaff('eng-2', { quietHours: '22:00-07:00' });
    try {
      h.clock.t = Date.parse('2025-03-11T15:00:00Z'); // 23:00 in Shanghai
      const { record: quiet } = await h.desk.createRecord(call({ content: '车库灯坏' }), DESK);
      await h.desk.transition(quiet.id, 'dispatch', DESK, { assigneeId: 'eng-2' });
      const { record: urgent } = await h.desk.createRecord(
        call({ content: '水管爆裂', priority: 'emergency' }),
        DESK,
      );
      await h.desk.transition(urgent.id, 'dispatch', DESK, { assigneeId: 'eng-2' });
      const held = (await outbox(h, "subject_id = $1 AND channel = 'sms'", [quiet.id]))[0]!;
      expect(held.nextAt.toISOString()).toBe('2025-03-11T23:00:00.000Z'); // 07:00 local
      await h.drain();
      const state = async (id: number, channel: string) =>
        (await outbox(h, 'subject_id = $1 AND channel = $2', [id, channel]))[0]!.state;
      expect(await state(quiet.id, 'sms')).toBe('queued');
      expect(await state(quiet.id, 'webhook')).toBe('sent');
      // The emergency behind it in the same queue is not held back by it.
      expect(await state(urgent.id, 'sms')).toBe('sent');
      h.clock.t = Date.parse('2025-03-11T23:00:00Z');
      await h.drain();
      expect(await state(quiet.id, 'sms')).toBe('sent');
    } finally {
      await h.desk.updateStaff('eng-2', { quietHours: null });
    }
  });

  it('caps a person’s SMS per local day, except emergencies', async () => {
    const h = get();
    await h.drain();
    h.clock.t += 24 * 60 * MIN; // a new local day: nothing sent to anyone yet today
    h.options.sms!.dailyCap = 1;
    try {
      // The emergency first: it is sent, and does not use up the day's allowance.
      const { record: c } = await h.desk.createRecord(call({ content: '困人', priority: 'emergency' }), DESK);
      await h.desk.transition(c.id, 'dispatch', DESK, { assigneeId: 'eng-2' });
      await h.drain();
      const { record: a } = await h.desk.createRecord(call({ content: '楼道灯不亮' }), DESK);
      await h.desk.transition(a.id, 'dispatch', DESK, { assigneeId: 'eng-2' });
      const { record: b } = await h.desk.createRecord(call({ content: '门禁失灵' }), DESK);
      await h.desk.transition(b.id, 'dispatch', DESK, { assigneeId: 'eng-2' });
      const { record: d } = await h.desk.createRecord(
        call({ content: '电梯困人', priority: 'emergency' }),
        DESK,
      );
      await h.desk.transition(d.id, 'dispatch', DESK, { assigneeId: 'eng-2' });
      await h.drain();
      const sms = await outbox(h, "channel = 'sms' AND staff_id = 'eng-2' AND subject_id = ANY($1::int[])", [
        [a.id, b.id, c.id, d.id],
      ]);
      expect(sms.map((r) => [r.subjectId, r.state, r.lastAnswer])).toEqual([
        [c.id, 'sent', expect.any(String)],
        [a.id, 'sent', expect.any(String)],
        [b.id, 'gave_up', 'daily SMS cap reached'],
        [d.id, 'sent', expect.any(String)],
      ]);
    } finally {
      h.options.sms!.dailyCap = 100;
    }
  });
}
