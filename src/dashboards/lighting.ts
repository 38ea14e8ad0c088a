/** Lighting circuits: switching, current, failed lamps, energy, emergency batteries, daylight. */
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Lang } from '../protocol/index.ts';
import { words } from './common.ts';
import { graph, kindDashboard, states } from './devices.ts';
import { shippedRule } from './limits.ts';

/** The number a derived rule compares `field` with, for the descriptions. */
function derivedValue(id: string, field: string): unknown {
  return shippedRule('lighting', id, 'derived').when.find((c) => c.field === field)?.value;
}

export function lightingDashboard(lang: Lang): DashboardBuilder {
  const trip = shippedRule('lighting', 'lighting-trip-derived', 'derived');
  const daylight = shippedRule('lighting', 'lighting-daylight', 'derived');
  return kindDashboard(
    'lighting',
    lang,
    (tr) => tr('公共照明', 'Lighting'),
    (tr) => [
      states('lighting', {
        title: tr('回路开关', 'Circuit on/off'),
        description: tr(
          '控制器是否已接通回路（按时间表、光控或手动）。与“回路电流”对照：接通却几乎没有电流就是跳闸。',
          'Whether each controller has switched its circuit on (by schedule, photocell or by hand). Compare with Circuit current: on with almost no current is a trip.',
        ),
        field: 'on',
        mappings: words(tr, { true: ['开', 'on', 'yellow'], false: ['关', 'off', 'text'] }),
      }),
      graph(
        'lighting',
        {
          title: tr('回路电流', 'Circuit current'),
          description: tr(
            `回路的电流。接通、有电压（>${derivedValue('lighting-trip-derived', 'voltage_v')} V）而电流低于 ${derivedValue('lighting-trip-derived', 'current_a')} A 持续 ${trip.forS} 秒即判跳闸（紧急程度：急）；接通时电流分级下降则是灯具陆续损坏。`,
            `Current drawn by the circuit. Switched on, with voltage present (>${derivedValue('lighting-trip-derived', 'voltage_v')} V) and less than ${derivedValue('lighting-trip-derived', 'current_a')} A for ${trip.forS} s is a circuit trip (urgent); steps down while on are lamps failing one by one.`,
          ),
          select: 'mean("current_a")',
          unit: 'amp',
        },
        tr,
      ),
      graph(
        'lighting',
        {
          title: tr('故障灯具', 'Lamps failed'),
          description: tr(
            '控制器统计的回路内故障灯具数，0 为正常（绿色）。灯具故障记录为低优先级，灯具修好后自动关闭。',
            'Lamps of the circuit the controller counts as failed; 0 is normal (green). Its record is low priority and closes itself once the lamps work again.',
          ),
          select: 'last("lamps_failed")',
          unit: 'none',
          limit: { field: 'lamps_failed', unit: '' },
        },
        tr,
      ),
      graph(
        'lighting',
        {
          title: tr('用电量', 'Energy'),
          description: tr(
            '每个时间间隔内的用电量，来自回路电表的累计读数。白天出现用电说明灯在白天亮着。',
            "Energy used in each interval, from the circuit meter's running total. Energy in daytime means lights left on.",
          ),
          select: 'non_negative_difference(last("energy_kwh"))',
          unit: 'kwatth',
        },
        tr,
      ),
      graph(
        'lighting',
        {
          title: tr('应急照明电池电压', 'Emergency battery'),
          description: tr(
            '应急照明灯具的电池电压（GB 51309-2018 要求监测）；只有带应急灯的回路报告。电压低意味着停电时应急灯可能不亮，记录转消防专业。',
            'Battery voltage of the emergency luminaires (GB 51309-2018 asks for it to be monitored); only circuits with emergency lights report it. Low voltage means the emergency lights may fail in a power cut; the record goes to the fire trade.',
          ),
          select: 'min("emergency_battery_v")',
          unit: 'volt',
          limit: { field: 'emergency_battery_v', unit: 'V' },
        },
        tr,
      ),
      graph(
        'lighting',
        {
          title: tr('环境照度', 'Ambient light'),
          description: tr(
            `光控探头的读数。回路接通而照度高于 ${derivedValue('lighting-daylight', 'ambient_lux')} lx 持续 ${daylight.forS} 秒，即开“白天亮灯”记录（低优先级，关灯后自动关闭）。`,
            `The photocell's reading. A circuit on while it reads more than ${derivedValue('lighting-daylight', 'ambient_lux')} lx for ${daylight.forS} s opens a lit-in-daylight record (low priority, closes itself once off).`,
          ),
          select: 'mean("ambient_lux")',
          unit: 'lux',
        },
        tr,
      ),
    ],
  );
}
