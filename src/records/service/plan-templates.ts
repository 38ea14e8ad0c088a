/**
 * What a maintenance plan starts from: per template, the kind it serves, its default interval or
 * meter, and its checklist. Every interval is a setting (PlanSettings, FM_PLAN_*) with the default
 * below, and every plan may set its own. The sources, and how far each was checked, are cited per
 * default; docs/service-records.md, "Maintenance plans", repeats them.
 */
import type { Kind } from '../../protocol/index.ts';

export interface PlanSettings {
  /**
   * Lifts: at least every 15 days. 《特种设备安全监察条例》 art. 31: "电梯应当至少每15日进行一次
   * 清洁、润滑、调整和检查"; TSG T5001-2009 art. 16 (replaced by TSG T5002-2017, which keeps it)
   * splits maintenance into half-monthly, quarterly, half-yearly and yearly, items in annexes A-D.
   */
  liftDays: number;
  /**
   * Secondary water supply tanks: cleaned and disinfected at least every six months ("定期清洗和
   * 消毒(每半年至少一次)", the supply rules local authorities publish under GB 17051). The text of
   * GB 17051-1997 (and GB 17051-2025, in force from 2026-06-01) that we could read does not state
   * the interval itself: keep the setting at the local rule.
   */
  tankMonths: number;
  /**
   * Emergency lighting: a monthly emergency (discharge) test and a yearly full-duration test, the
   * maintenance practice for GB 51309-2018 systems (GB 17945-2010 luminaires). The clause numbers
   * of GB 51309 could not be checked against its text here.
   */
  emergencyLightMonths: number;
  emergencyLightFullMonths: number;
  /** Good practice, not regulation: a pump service every 2000 running hours. */
  pumpRunHours: number;
  /** Good practice: NVR disks checked (SMART, replacement planned) every 20 000 power-on hours. */
  nvrDiskHours: number;
  /** Days before its due date a calendar job is generated (so it can be planned and dispatched). */
  leadDays: number;
  /** Days a meter-triggered job is given from the reading that triggered it. */
  meterDueDays: number;
  /** A started job's maintenance window closes by itself after this many hours if nobody ends it. */
  windowHours: number;
}

export const PLAN_DEFAULTS: PlanSettings = {
  liftDays: 15,
  tankMonths: 6,
  emergencyLightMonths: 1,
  emergencyLightFullMonths: 12,
  pumpRunHours: 2000,
  nvrDiskHours: 20_000,
  leadDays: 3,
  meterDueDays: 7,
  windowHours: 8,
};

export const TEMPLATES = [
  'lift-half-monthly',
  'lift-runs',
  'tank-cleaning',
  'emergency-lighting-monthly',
  'emergency-lighting-yearly',
  'pump-run-hours',
  'nvr-disk-age',
  'custom',
] as const;
export type Template = (typeof TEMPLATES)[number];

export interface TemplateDefaults {
  kind: Kind | null;
  every?: { count: number; unit: 'day' | 'month' };
  meter?: { field: string; every: number };
  items: readonly string[];
  name: string;
}

/** TSG T5001-2009 annex A (half-monthly items), the ones a residential passenger lift has. */
const LIFT_HALF_MONTHLY = [
  '机房、滑轮间环境 / machine room clean, doors and windows intact, lighting normal',
  '手动紧急操作装置 / manual emergency operation device present and intact',
  '驱动主机 / traction machine runs without abnormal noise or vibration',
  '制动器各销轴部位 / brake pins lubricated and moving freely',
  '制动器间隙 / brake shoe clearance within the maker’s figure',
  '限速器各销轴部位 / overspeed governor pins lubricated, rotates freely',
  '轿顶 / car top clean, guards intact',
  '轿顶检修开关、急停开关 / car-top inspection and stop switches work',
  '轿厢照明、风扇、应急照明 / car lighting, fan and emergency lighting work',
  '轿厢报警装置、对讲系统 / car alarm and intercom work',
  '轿门防撞击保护装置 / car door protective device (light curtain, safety edge) works',
  '层门、轿门门锁电气触点 / landing and car door lock contacts clean, engaging correctly',
  '层门自动关门装置 / landing door self-closing device works',
  '层门地坎 / landing sills clean',
  '底坑环境、底坑急停开关 / pit clean and dry, pit stop switch works',
];

/** Cleaning and disinfection of a secondary water supply tank (GB 17051 hygiene practice). */
const TANK_CLEANING = [
  '停水通知已张贴 / residents notified of the supply stop',
  '排空、清除沉积物 / tank drained, sediment removed',
  '池壁、池底刷洗 / walls and floor scrubbed',
  '消毒并冲洗 / disinfected and rinsed',
  '人孔盖、锁、透气管防虫网 / manhole cover locked, vent and overflow screens intact',
  '水质检测取样 (余氯、浊度) / water sampled after refilling (chlorine, turbidity)',
  '清洗消毒记录、人员健康证 / cleaning record signed, cleaners’ health certificates checked',
];

const EMERGENCY_MONTHLY = [
  '主电、充电指示正常 / mains and charging indicators normal',
  '手动应急启动，灯具转入应急 / manual emergency start: luminaires switch to emergency',
  '疏散指示方向正确、标志清晰 / exit signs point the right way, legible',
  '灯具外观、安装牢固 / luminaires undamaged and secure',
];

const EMERGENCY_YEARLY = [
  ...EMERGENCY_MONTHLY,
  '持续应急工作时间达到设计值 / full-duration discharge reaches the design duration',
  '蓄电池容量、外观 (无鼓包漏液) / batteries hold capacity, not swollen or leaking',
];

const PUMP_SERVICE = [
  '水泵轴承润滑 / pump bearings lubricated',
  '机械密封无渗漏 / mechanical seals not leaking',
  '电机绝缘、电流 / motor insulation and current checked',
  '主备泵切换 / duty and standby pumps changed over',
  '压力表、液位计 / pressure gauges and level sensors read true',
];

const NVR_DISKS = [
  '硬盘 SMART 状态 / disk SMART status read',
  '录像回放抽查 (≥30 天, GB 50348) / playback checked, 30 days kept',
  '超龄硬盘更换计划 / old disks scheduled for replacement',
];

export function templateDefaults(t: Template, s: PlanSettings): TemplateDefaults {
  switch (t) {
    case 'lift-half-monthly':
      return {
        kind: 'lift',
        name: '电梯半月维保',
        every: { count: s.liftDays, unit: 'day' },
        items: LIFT_HALF_MONTHLY,
      };
    case 'lift-runs':
      return {
        kind: 'lift',
        name: '电梯按运行次数维保',
        meter: { field: 'runs_total', every: 50_000 },
        items: LIFT_HALF_MONTHLY,
      };
    case 'tank-cleaning':
      return {
        kind: 'pump',
        name: '二次供水水箱清洗消毒',
        every: { count: s.tankMonths, unit: 'month' },
        items: TANK_CLEANING,
      };
    case 'emergency-lighting-monthly':
      return {
        kind: 'lighting',
        name: '应急照明月度检查',
        every: { count: s.emergencyLightMonths, unit: 'month' },
        items: EMERGENCY_MONTHLY,
      };
    case 'emergency-lighting-yearly':
      return {
        kind: 'lighting',
        name: '应急照明年度持续时间试验',
        every: { count: s.emergencyLightFullMonths, unit: 'month' },
        items: EMERGENCY_YEARLY,
      };
    case 'pump-run-hours':
      return {
        kind: 'pump',
        name: '水泵按运行小时保养',
        meter: { field: 'run_hours_total', every: s.pumpRunHours },
        items: PUMP_SERVICE,
      };
    case 'nvr-disk-age':
      return {
        kind: 'cctv',
        name: '录像机硬盘检查',
        meter: { field: 'disk_power_on_hours_max', every: s.nvrDiskHours },
        items: NVR_DISKS,
      };
    case 'custom':
      return { kind: null, name: '维护保养', items: [] };
  }
}
