import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { logDeskEvent } from '../../../src/records/service/event-log.ts';
import type { DeskEvent } from '../../../src/records/service/index.ts';

function capture(): { log: pino.Logger; lines: { level: number; msg: string; recordId?: number }[] } {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { log, lines };
}

const record = {
  id: 12,
  site: 'demo',
  source: 'device',
  priority: 'emergency',
  title: 'Entrapment: lift L-B1-1, T1 7F',
  deviceId: 'L-B1-1',
  faultCode: 'entrapment',
  escalationLevel: 1,
} as unknown as Extract<DeskEvent, { type: 'record' }>['record'];
const actor = { id: 'rules', role: 'service' } as unknown as Extract<DeskEvent, { type: 'record' }>['actor'];

describe('the desk events in the log', () => {
  it('writes one readable line with ids for a device record, an escalation, an alert and a breach, and none for routine steps', () => {
    const { log, lines } = capture();
    logDeskEvent(log, { type: 'record', action: 'create', actor, record });
    logDeskEvent(log, { type: 'record', action: 'acknowledge', actor, record });
    logDeskEvent(log, { type: 'record', action: 'escalate', actor, record });
    logDeskEvent(log, {
      type: 'alert',
      action: 'raise',
      actor,
      alert: {
        id: 3,
        site: 'demo',
        deviceId: 'L-B1-1',
        recordId: 12,
        title: 'Entrapment',
        location: 'T1 7F',
      },
    } as DeskEvent);
    logDeskEvent(log, {
      type: 'breach',
      breach: {
        deadlineId: 1,
        subject: 'record',
        subjectId: 12,
        site: 'demo',
        step: 'dispatch',
        round: 1,
        dueAt: new Date('2026-11-30T08:01:30Z'),
        breachedAt: new Date('2026-11-30T08:01:31Z'),
      },
      notify: ['sup-zhang'],
    } as DeskEvent);
    expect(lines.map((l) => l.msg)).toEqual([
      'record 12 raised from device L-B1-1: Entrapment: lift L-B1-1, T1 7F (emergency)',
      'record 12 escalated to level 1: Entrapment: lift L-B1-1, T1 7F',
      'patrol alert 3 raised: Entrapment at T1 7F',
      'record 12 breached its dispatch deadline (due 2026-11-30T08:01:30.000Z)',
    ]);
    expect(lines[0]).toMatchObject({ level: 30, recordId: 12 });
    expect(lines[3]?.level).toBe(40);
  });
});
