/** Generated text in zh-CN (the default, FM_LANG) and en: device fault titles and statistics headings. */
import { EVENT_CODES, KINDS } from '../../protocol/index.ts';

export type { Lang } from '../../protocol/index.ts';

import type { Lang } from '../../protocol/index.ts';

/** Faults any kind can have that devices do not report themselves (docs/architecture.md: heartbeat loss). */
const EXTRA_FAULTS: Record<string, { en: string; zh: string }> = {
  heartbeat_lost: { en: 'No telemetry (heartbeat lost)', zh: '设备失联（心跳丢失）' },
  offline: { en: 'Device offline', zh: '设备离线' },
};

const KIND_NAMES: Record<string, { en: string; zh: string }> = {
  lift: { en: 'Lift', zh: '电梯' },
  pump: { en: 'Pump room', zh: '水泵房' },
  lighting: { en: 'Lighting circuit', zh: '照明回路' },
  cctv: { en: 'CCTV', zh: '监控' },
};

/** The name of a fault code in the language; an unknown code is shown as itself. */
export function faultName(code: string, lang: Lang): string {
  for (const kind of KINDS) {
    const c = EVENT_CODES[kind].find((e) => e.code === code);
    if (c) return lang === 'en' ? c.en : c.zh;
  }
  const extra = EXTRA_FAULTS[code];
  return extra ? (lang === 'en' ? extra.en : extra.zh) : code;
}

export interface FaultTextInput {
  code: string;
  kind?: string | null | undefined;
  deviceId: string;
  /** Building / floor / location, already joined. */
  place?: string | undefined;
  occurredAt: Date;
  timezone: string;
  evidence?: unknown;
}

function localTime(at: Date, timezone: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: timezone,
    dateStyle: 'short',
    timeStyle: 'medium',
  }).format(at);
}

/** Title and description of a record raised by a device fault. */
export function faultText(f: FaultTextInput, lang: Lang): { title: string; content: string } {
  const kind = f.kind ? (KIND_NAMES[f.kind]?.[lang === 'en' ? 'en' : 'zh'] ?? f.kind) : '';
  const name = faultName(f.code, lang);
  const when = localTime(f.occurredAt, f.timezone, lang);
  const evidence = f.evidence === undefined ? '' : JSON.stringify(f.evidence);
  if (lang === 'en') {
    const where = f.place ? ` at ${f.place}` : '';
    return {
      title: `${kind ? `${kind} ` : ''}${f.deviceId}: ${name}${where}`,
      content: `Device ${f.deviceId} reported "${name}" (${f.code}) at ${when}.${evidence ? ` Readings: ${evidence}` : ''}`,
    };
  }
  const where = f.place ? `（${f.place}）` : '';
  return {
    title: `${kind}${f.deviceId}${where}：${name}`,
    content: `设备 ${f.deviceId} 于 ${when} 报告"${name}"（${f.code}）。${evidence ? `读数：${evidence}` : ''}`,
  };
}

export function recoveryNote(at: Date, timezone: string, lang: Lang): string {
  const when = localTime(at, timezone, lang);
  return lang === 'en' ? `Device reports recovered at ${when}` : `设备于 ${when} 报告已恢复`;
}

/** Statistics headings, by metric key. */
export const STAT_LABELS: Record<string, { en: string; zh: string }> = {
  timeliness: { en: 'Timeliness rate', zh: '及时率' },
  satisfaction: { en: 'Satisfaction rate', zh: '满意率' },
  firstTimePass: { en: 'First-time pass rate', zh: '一次验收合格率' },
  returnVisit: { en: 'Return-visit rate', zh: '回访率' },
  classificationAccuracy: { en: 'Classification accuracy', zh: '分类准确率' },
  urgentRepairTimeliness: { en: 'Urgent-repair timeliness', zh: '急修及时率' },
  complaintResponse: { en: 'Complaints answered within 15 min', zh: '投诉15分钟响应率' },
  complaintResult: { en: 'Complaints resolved within 24 h', zh: '投诉24小时处理率' },
  equipmentIntact: { en: 'Equipment intact rate', zh: '设备完好率' },
  notifyEscalations: { en: 'Notifications sent again, unacknowledged', zh: '未确认而升级的通知' },
  roundCompletion: { en: 'Round completion rate', zh: '巡检完成率' },
  roundsOnTime: { en: 'Rounds on time', zh: '巡检准时率' },
  equipmentIntactLift: { en: 'Equipment intact rate: lifts', zh: '设备完好率（电梯）' },
  equipmentIntactPump: { en: 'Equipment intact rate: pump rooms', zh: '设备完好率（泵房）' },
  equipmentIntactLighting: { en: 'Equipment intact rate: lighting', zh: '设备完好率（照明）' },
  equipmentIntactCctv: { en: 'Equipment intact rate: CCTV', zh: '设备完好率（监控）' },
  planCompletion: { en: 'Maintenance plan completion rate', zh: '维保计划完成率' },
  planOnTime: { en: 'Maintenance on-time rate', zh: '维保按期完成率' },
  metric: { en: 'Metric', zh: '指标' },
  numerator: { en: 'Numerator', zh: '分子' },
  denominator: { en: 'Denominator', zh: '分母' },
  rate: { en: 'Rate', zh: '比率' },
  step: { en: 'Step', zh: '环节' },
  count: { en: 'Count', zh: '件数' },
  meanS: { en: 'Mean (s)', zh: '平均用时（秒）' },
  p90S: { en: 'P90 (s)', zh: 'P90 用时（秒）' },
};

export const STATE_LABELS: Record<string, { en: string; zh: string }> = {
  received: { en: 'Received', zh: '接报' },
  dispatched: { en: 'Dispatched', zh: '派工' },
  acknowledged: { en: 'Acknowledged', zh: '签单' },
  on_site: { en: 'On site', zh: '到场' },
  planned: { en: 'Planned', zh: '方案确认' },
  in_progress: { en: 'In progress', zh: '处理中' },
  escalated: { en: 'Escalated', zh: '已升级' },
  awaiting_acceptance: { en: 'Awaiting acceptance', zh: '待验收' },
  return_visit: { en: 'Return visit', zh: '回访' },
  closed: { en: 'Closed', zh: '已关闭' },
  cancelled: { en: 'Cancelled', zh: '已取消' },
};

export function label(table: Record<string, { en: string; zh: string }>, key: string, lang: Lang): string {
  const l = table[key];
  return l ? (lang === 'en' ? l.en : l.zh) : key;
}
