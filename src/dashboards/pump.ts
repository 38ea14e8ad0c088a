/** Pump rooms (secondary water supply): pressures, flow, tank, pumps and water quality. */
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Lang } from '../protocol/index.ts';
import { graph, kindDashboard, MPA } from './devices.ts';

export function pumpDashboard(lang: Lang): DashboardBuilder {
  return kindDashboard(
    'pump',
    lang,
    (tr) => tr('二次供水泵房', 'Pump rooms'),
    (tr) => [
      graph(
        'pump',
        {
          title: tr('出水压力', 'Outlet pressure'),
          description: tr(
            '泵房送往楼内立管的压力（每个时间间隔的平均值）。过低则高层无水，过高则损伤管道和阀门。所有水泵都停时不判低压（那是“水泵全停”故障）。',
            "Pressure leaving the pump room into the building's risers, averaged per interval. Too low and the upper floors get no water; too high strains pipes and valves. Low pressure is not judged while no pump runs (that is the all-pumps-stopped fault).",
          ),
          select: 'mean("outlet_pressure_mpa")',
          unit: MPA,
          limit: { field: 'outlet_pressure_mpa', unit: 'MPa' },
        },
        tr,
      ),
      graph(
        'pump',
        {
          title: tr('进水压力', 'Inlet pressure'),
          description: tr(
            '市政来水或水箱出口进入水泵的压力。进水压力跌落而出水压力随之下降，问题在上游而不在泵。',
            'Pressure of the mains or tank outlet feeding the pumps. When it falls and the outlet pressure follows, the cause is upstream, not the pumps.',
          ),
          select: 'mean("inlet_pressure_mpa")',
          unit: MPA,
        },
        tr,
      ),
      graph(
        'pump',
        {
          title: tr('流量', 'Flow'),
          description: tr(
            '泵房供出的水量。夜间仍有较大流量常意味着漏水或水箱溢流。',
            'Water supplied by the pump room. A large flow at night often means a leak or an overflowing tank.',
          ),
          select: 'mean("flow_m3ph")',
          unit: 'suffix: m³/h',
        },
        tr,
      ),
      graph(
        'pump',
        {
          title: tr('水箱液位', 'Tank level'),
          description: tr(
            '二次供水水箱的水位。持续下降说明进水跟不上用水（进水阀、市政停水）；接近溢流口说明进水阀关不严。',
            'Water in the break tank. A steady fall means the inflow cannot keep up (inlet valve, mains cut); near the overflow means the inlet valve does not close.',
          ),
          select: 'mean("tank_level_m")',
          unit: 'lengthm',
          limit: { field: 'tank_level_m', unit: 'm' },
        },
        tr,
      ),
      graph(
        'pump',
        {
          title: tr('运行水泵数', 'Pumps running'),
          description: tr(
            '正在运行的水泵台数。值班泵轮换，用水高峰时加泵。“水泵全停”由控制器以事件报告（紧急），见图上红色标注。',
            'How many pumps run. The duty pump rotates and more start at peak demand. All pumps stopped is reported by the controller as an event (emergency): see the red annotations.',
          ),
          select: 'last("pumps_running")',
          unit: 'none',
        },
        tr,
      ),
      graph(
        'pump',
        {
          title: tr('变频频率', 'Drive frequency'),
          description: tr(
            '值班泵变频器的输出频率，越高表示用水越多。频率已到 50 Hz 而压力仍低，应查水泵或管网漏水。',
            "Output frequency of the duty pump's drive: higher means more demand. At 50 Hz with pressure still low, look at the pump or for a leak.",
          ),
          select: 'mean("frequency_hz")',
          unit: 'hertz',
        },
        tr,
      ),
      graph(
        'pump',
        {
          title: tr('余氯', 'Residual chlorine'),
          description: tr(
            '水中的游离余氯（GB 5749-2022）。过低说明消毒可能已失效，过高影响口感和健康。',
            'Free chlorine left in the water (GB 5749-2022). Too little and the water may no longer be disinfected; too much harms taste and health.',
          ),
          select: 'mean("residual_chlorine_mgpl")',
          unit: 'suffix: mg/L',
          limit: { field: 'residual_chlorine_mgpl', unit: 'mg/L' },
        },
        tr,
      ),
      graph(
        'pump',
        {
          title: tr('浊度', 'Turbidity'),
          description: tr(
            '水的浑浊程度（GB 5749-2022）。升高常见于水箱清洗后、管网施工或水箱进污。',
            'How cloudy the water is (GB 5749-2022). It rises after tank cleaning, works on the mains, or dirt getting into the tank.',
          ),
          select: 'mean("turbidity_ntu")',
          unit: 'suffix: NTU',
          limit: { field: 'turbidity_ntu', unit: 'NTU' },
        },
        tr,
      ),
    ],
  );
}
