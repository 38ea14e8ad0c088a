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

/**
 * `devices`, named in order while they fit in `max` characters, then how many more: a storm of
 * long device ids must not make a text the desk refuses (its limits are TEXT_MAX).
 */
export function deviceList(devices: readonly string[], max: number, lang: Lang): string {
  const all = devices.join(', ');
  if (all.length <= max) return all;
  const more = (n: number) => (lang === 'en' ? ` and ${n} more` : ` 等另外 ${n} 台`);
  const room = max - more(devices.length).length;
  let length = -2;
  let shown = 0;
  while (shown < devices.length && length + 2 + devices[shown]!.length <= room)
    length += 2 + devices[shown++]!.length;
  return `${devices.slice(0, shown).join(', ')}${more(devices.length - shown)}`;
}

/** The incident's record; `max` is the longest content the desk takes. */
export function incidentText(
  i: { site: string; devices: readonly string[]; openedAt: Date; ref: string },
  lang: Lang,
  max: number,
): { title: string; content: string } {
  const n = i.devices.length;
  const [title, head, tail] =
    lang === 'en'
      ? [
          `Site ${i.site}: ${n} devices went down together (power cut or network)`,
          `Site incident ${i.ref}, from ${i.openedAt.toISOString()}: ${n} devices stopped reporting at about the same time. Devices: `,
          '.',
        ]
      : [
          `${i.site} 小区：${n} 台设备同时离线（停电或网络故障）`,
          `区域事件 ${i.ref}，自 ${i.openedAt.toISOString()} 起 ${n} 台设备几乎同时中断上报。设备：`,
          '。',
        ];
  return { title, content: head + deviceList(i.devices, max - head.length - tail.length, lang) + tail };
}

/** The note when an incident grows: how many are down now, and the newcomers by name. */
export function incidentUpdate(down: number, added: readonly string[], lang: Lang, max: number): string {
  const head =
    lang === 'en'
      ? `Now ${down} devices down; ${added.length} more since: `
      : `现有 ${down} 台设备离线，新增 ${added.length} 台：`;
  return head + deviceList(added, max - head.length, lang);
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
