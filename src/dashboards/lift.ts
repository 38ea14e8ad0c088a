/** Lifts: position, movement, mode, door use and load of the selected lifts. */
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Lang } from '../protocol/index.ts';
import { words } from './common.ts';
import { graph, kindDashboard, states } from './devices.ts';
import { shippedRule } from './limits.ts';

export function liftDashboard(lang: Lang): DashboardBuilder {
  const trapped = shippedRule('lift', 'lift-entrapment-derived', 'derived');
  const doors = shippedRule('lift', 'lift-door-faults-per-hour', 'count');
  return kindDashboard(
    'lift',
    lang,
    (tr) => tr('电梯', 'Lifts'),
    (tr) => [
      graph(
        'lift',
        {
          title: tr('楼层', 'Floor'),
          description: tr(
            `每台电梯报告的所在楼层，负数为地下层。困人记录来自电梯控制器的事件，或来自规则：轿厢有人、门关闭、停在平层区外、速度近零持续 ${trapped.forS} 秒（检修模式除外）。`,
            `The floor each lift reports; negative floors are basements. An entrapment record comes from the controller's events, or from the rule: someone in the car, doors closed, stopped outside the door zone, for ${trapped.forS} s (not in inspection mode).`,
          ),
          select: 'last("floor")',
          unit: 'none',
        },
        tr,
      ),
      states('lift', {
        title: tr('运行方向', 'Direction'),
        description: tr(
          '上行、下行或停止。长时间停止本身不是故障；与“楼层”对照可看出电梯在哪里停下。',
          'Up, down or stopped. A long stop is not a fault by itself; compare with Floor to see where the lift stands.',
        ),
        field: 'direction',
        mappings: words(tr, {
          up: ['上行', 'up', 'blue'],
          down: ['下行', 'down', 'purple'],
          stopped: ['停止', 'stopped', 'text'],
        }),
      }),
      graph(
        'lift',
        {
          title: tr('速度', 'Speed'),
          description: tr(
            '每个时间间隔内轿厢的最高速度。超速由电梯控制器以事件报告（图上的红色标注），不按此图判断。',
            'Highest car speed in each interval. Overspeed is reported by the lift controller as an event (the red annotations), not judged from this graph.',
          ),
          select: 'max("speed_mps")',
          unit: 'velocityms',
        },
        tr,
      ),
      states('lift', {
        title: tr('运行模式', 'Mode'),
        description: tr(
          '按 GB/T 24476-2017 报告的运行模式。检修、维保（黄色）表示有人在作业，检修模式下不判困人；消防（红色）为消防返回；停用（橙色）为已停止服务。',
          'Operating mode as reported under GB/T 24476-2017. Inspection and maintenance (yellow) mean someone is working on the lift, and entrapment is not judged in inspection mode; fire (red) is the fire-service return; out of service (orange) is switched off.',
        ),
        field: 'mode',
        mappings: words(tr, {
          normal: ['正常', 'normal', 'green'],
          inspection: ['检修', 'inspection', 'yellow'],
          maintenance: ['维保', 'maintenance', 'yellow'],
          fire: ['消防', 'fire', 'red'],
          out_of_service: ['停用', 'out of service', 'orange'],
        }),
      }),
      graph(
        'lift',
        {
          title: tr('开关门次数', 'Door cycles'),
          description: tr(
            `每个时间间隔内的开关门次数，来自电梯的累计计数器。次数多而运行少，可能是门反复重开（门区有障碍）。${doors.windowS / 60} 分钟内 ${doors.count} 次门故障会另开一条“门故障频发”记录。`,
            `Door open/close cycles in each interval, from the lift's cycle counter. Many cycles with few runs can mean a door reopening again and again (something in the door path). ${doors.count} door faults within ${doors.windowS / 60} min open a record of their own (door faults repeated).`,
          ),
          select: 'non_negative_difference(last("door_cycles_total"))',
          unit: 'none',
        },
        tr,
      ),
      graph(
        'lift',
        {
          title: tr('轿厢载荷', 'Car load'),
          description: tr(
            '每个时间间隔内的最大轿厢载荷；只有装了称重装置的电梯才报告。超载由电梯自己阻止运行，平台不据此开记录。',
            'Heaviest car load in each interval; only lifts with a load-weighing device report it. The lift itself refuses to run overloaded; the platform opens no record from this graph.',
          ),
          select: 'max("load_kg")',
          unit: 'masskg',
        },
        tr,
      ),
    ],
  );
}
