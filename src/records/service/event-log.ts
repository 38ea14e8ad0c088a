/**
 * The desk's events a person looks for in the log, one readable line each with its ids: a record
 * raised (from a device or a call), an escalation, a patrol alert, a breach. Everything else the
 * desk does is in the record's history and on the live stream, not the log.
 */
import type { Logger } from '../../log.ts';
import type { DeskEvent } from './events.ts';

export function logDeskEvent(log: Logger, event: DeskEvent): void {
  if (event.type === 'record') {
    const r = event.record;
    const ids = { recordId: r.id, site: r.site, deviceId: r.deviceId ?? undefined, priority: r.priority };
    if (event.action === 'create') {
      const from = r.deviceId ? `device ${r.deviceId}` : r.source;
      log.info(
        { ...ids, faultCode: r.faultCode ?? undefined },
        `record ${r.id} raised from ${from}: ${r.title} (${r.priority})`,
      );
    } else if (event.action === 'escalate')
      log.warn(
        { ...ids, level: r.escalationLevel },
        `record ${r.id} escalated to level ${r.escalationLevel}: ${r.title}`,
      );
  } else if (event.type === 'alert') {
    const a = event.alert;
    if (event.action === 'raise')
      log.info(
        { alertId: a.id, site: a.site, deviceId: a.deviceId ?? undefined, recordId: a.recordId ?? undefined },
        `patrol alert ${a.id} raised: ${a.title}${a.location ? ` at ${a.location}` : ''}`,
      );
  } else {
    const b = event.breach;
    log.warn(
      { subject: b.subject, subjectId: b.subjectId, site: b.site, step: b.step, notify: event.notify },
      `${b.subject} ${b.subjectId} breached its ${b.step} deadline (due ${b.dueAt.toISOString()})`,
    );
  }
}
