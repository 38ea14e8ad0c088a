/**
 * The words of a notification: short (a phone's lock screen, a 70-character SMS segment where it
 * can), in the desk's language (FM_LANG), with a link to the record or alert on the console.
 */
import type { Lang, Notice, NoticeEvent } from '../records/service/index.ts';

export interface Message {
  title: string;
  text: string;
  link: string | null;
}

const WHAT: Record<NoticeEvent, { en: string; zh: string }> = {
  dispatch: { en: 'New slip', zh: '新派单' },
  reassign: { en: 'Slip handed to you', zh: '转派给您' },
  emergency: { en: 'EMERGENCY', zh: '紧急事件' },
  alert: { en: 'Patrol alert', zh: '巡逻警报' },
  breach: { en: 'Overdue', zh: '超时' },
  escalated: { en: 'Escalated', zh: '已升级' },
  rejected: { en: 'Acceptance failed, rework', zh: '验收未通过，需返工' },
  report: { en: 'Resident report', zh: '业主报事' },
  reminder: { en: 'Not acknowledged', zh: '未签收' },
};

const STEP: Record<string, { en: string; zh: string }> = {
  record: { en: 'recording', zh: '登记' },
  dispatch: { en: 'dispatch', zh: '派单' },
  acknowledge: { en: 'sign for the slip', zh: '签收' },
  appointment_call: { en: 'call before the appointment', zh: '预约前致电' },
  on_site: { en: 'on site', zh: '到场' },
  plan: { en: 'plan', zh: '方案' },
  escalate: { en: 'escalation', zh: '升级' },
  same_day: { en: 'solved the same day', zh: '当日解决' },
  complaint_answer: { en: 'complaint answer', zh: '投诉答复' },
  complaint_result: { en: 'complaint result', zh: '投诉结果' },
  alert_ack: { en: 'acknowledge the alert', zh: '确认警报' },
  alert_on_scene: { en: 'on scene', zh: '到达现场' },
};

/** The console page of the subject: a slip on the phone pages, an alert in the guards' list. */
export function linkFor(
  consoleUrl: string | undefined,
  n: Pick<Notice, 'subject' | 'subjectId'>,
): string | null {
  if (!consoleUrl) return null;
  if (n.subject === 'record') return `${consoleUrl}/m/records/${n.subjectId}`;
  if (n.subject === 'round') return `${consoleUrl}/m/rounds/${n.subjectId}`;
  return `${consoleUrl}/m/alerts#alert-${n.subjectId}`;
}

export function render(n: Notice, lang: Lang, consoleUrl: string | undefined): Message {
  const en = lang === 'en';
  const what = WHAT[n.event][en ? 'en' : 'zh'];
  const ref =
    n.subject === 'record'
      ? `#${n.subjectId}`
      : n.subject === 'round'
        ? en
          ? `round ${n.subjectId}`
          : `巡检${n.subjectId}`
        : en
          ? `alert ${n.subjectId}`
          : `警报${n.subjectId}`;
  const step = n.step ? (STEP[n.step]?.[en ? 'en' : 'zh'] ?? n.step) : undefined;
  const mark = n.emergency && n.event !== 'emergency' ? (en ? '[urgent] ' : '【紧急】') : '';
  const title = `${mark}${what} ${ref}`;
  const where = n.location ? (en ? ` at ${n.location}` : `（${n.location}）`) : '';
  const late = n.event === 'breach' && step ? (en ? ` (${step} overdue)` : `（${step}超时）`) : '';
  const text = `${title}: ${n.title}${where}${late}`;
  return { title, text, link: linkFor(consoleUrl, n) };
}
