/**
 * One readable log line for what a newcomer watching the terminal must not miss: a record raised
 * from a device, a patrol alert raised, a deadline breached. The front desk sees them on its screen;
 * the operator sees them here.
 */
import type { Logger } from './log.ts';
import type { ServiceDesk } from './records/service/index.ts';

export function logDeskEvents(desk: ServiceDesk, log: Logger): () => void {
  return desk.onChange((e) => {
    if (e.type === 'record' && e.action === 'create' && e.record.source === 'device') {
      const r = e.record;
      log.warn(
        { recordId: r.id, site: r.site, deviceId: r.deviceId, faultCode: r.faultCode, priority: r.priority },
        `record #${r.id} (${r.priority}) raised from device ${r.deviceId}: ${r.title}`,
      );
    } else if (e.type === 'alert' && e.action === 'raise') {
      const a = e.alert;
      log.warn(
        { alertId: a.id, site: a.site, deviceId: a.deviceId, code: a.code, priority: a.priority },
        `patrol alert #${a.id} (${a.priority}) raised: ${a.title}${a.location ? ` at ${a.location}` : ''}`,
      );
    } else if (e.type === 'breach') {
      const b = e.breach;
      log.warn(
        {
          subject: b.subject,
          subjectId: b.subjectId,
          site: b.site,
          step: b.step,
          dueAt: b.dueAt,
          notify: e.notify,
        },
        `${b.subject} #${b.subjectId} missed its "${b.step}" deadline (due ${b.dueAt.toISOString()})${e.notify.length ? `; tell ${e.notify.join(', ')}` : ''}`,
      );
    }
  });
}
