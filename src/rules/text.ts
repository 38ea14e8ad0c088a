/** Titles and texts rules writes, in the configured language (FM_LANG). The desk adds its own description. */
import { EVENT_CODES, KINDS } from '../protocol/index.ts';

export type Lang = 'zh-CN' | 'en';

/** Faults rules derives that no device reports under that name. */
const RULE_FAULTS: Record<string, { en: string; zh: string }> = {
  heartbeat_lost: { en: 'No telemetry (heartbeat lost)', zh: '设备失联（心跳丢失）' },
  offline: { en: 'Device offline', zh: '设备离线' },
  door_faults_repeated: { en: 'Repeated door faults', zh: '门系统故障频发' },
};

const KIND_NAMES: Record<string, { en: string; zh: string }> = {
  lift: { en: 'Lift', zh: '电梯' },
  pump: { en: 'Pump room', zh: '水泵房' },
  lighting: { en: 'Lighting circuit', zh: '照明回路' },
  cctv: { en: 'CCTV', zh: '监控' },
};

const pick = (t: { en: string; zh: string }, lang: Lang) => (lang === 'en' ? t.en : t.zh);

export function faultLabel(code: string, lang: Lang): string {
  for (const kind of KINDS) {
    const c = EVENT_CODES[kind].find((e) => e.code === code);
    if (c) return pick(c, lang);
  }
  const extra = RULE_FAULTS[code];
  return extra ? pick(extra, lang) : code;
}

export function faultTitle(
  f: { kind: string; deviceId: string; place: string; fault: string },
  lang: Lang,
): string {
  const kind = KIND_NAMES[f.kind] ? pick(KIND_NAMES[f.kind]!, lang) : f.kind;
  const name = faultLabel(f.fault, lang);
  if (lang === 'en') return `${kind} ${f.deviceId}: ${name}${f.place ? ` at ${f.place}` : ''}`.slice(0, 200);
  return `${kind}${f.deviceId}${f.place ? `（${f.place}）` : ''}：${name}`.slice(0, 200);
}

export function placeOf(d: {
  building: string | null;
  floor: number | null;
  location: string | null;
}): string {
  return [d.building, d.floor === null ? null : `${d.floor}F`, d.location].filter(Boolean).join(' ');
}

export function incidentText(
  i: { site: string; devices: readonly string[]; openedAt: Date; ref: string },
  lang: Lang,
): { title: string; content: string } {
  const shown = i.devices.slice(0, 200).join(', ');
  const more =
    i.devices.length > 200
      ? lang === 'en'
        ? ` and ${i.devices.length - 200} more`
        : ` 等 ${i.devices.length} 台`
      : '';
  if (lang === 'en') {
    return {
      title: `Site ${i.site}: ${i.devices.length} devices went down together (power cut or network)`,
      content: `Site incident ${i.ref}, from ${i.openedAt.toISOString()}: ${i.devices.length} devices stopped reporting at about the same time. Devices: ${shown}${more}.`,
    };
  }
  return {
    title: `${i.site} 小区：${i.devices.length} 台设备同时离线（停电或网络故障）`,
    content: `区域事件 ${i.ref}，自 ${i.openedAt.toISOString()} 起 ${i.devices.length} 台设备几乎同时中断上报。设备：${shown}${more}。`,
  };
}

export function incidentUpdate(devices: readonly string[], lang: Lang): string {
  return lang === 'en'
    ? `Now ${devices.length} devices down: ${devices.slice(0, 200).join(', ')}`
    : `现有 ${devices.length} 台设备离线：${devices.slice(0, 200).join(', ')}`;
}

export function incidentEnded(at: Date, count: number, lang: Lang): string {
  return lang === 'en'
    ? `All ${count} devices reporting again at ${at.toISOString()}`
    : `${count} 台设备已于 ${at.toISOString()} 全部恢复上报`;
}

export function selfCloseNote(lang: Lang): string {
  return lang === 'en'
    ? 'Closed by rules: low-priority device fault recovered before anyone was dispatched'
    : '规则自动关闭：低优先级设备故障在派工前已恢复';
}
