/** One dashboard per device kind: the readings of the selected devices, fault events and open records. */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
} from '@grafana/grafana-foundation-sdk/common';
import {
  AnnotationQueryBuilder,
  type DashboardBuilder,
  type Panel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { EVENT_MEASUREMENT, measurementOf } from '../ingest/line-protocol.ts';
import type { Kind } from '../protocol/topics.ts';
import type { Lang } from '../records/service/i18n.ts';
import {
  baseDashboard,
  DEVICE_FILTER,
  deviceVariables,
  recordLink,
  type Tr,
  thresholdsFor,
  translator,
} from './common.ts';
import { INFLUX, influxql, RECORDS, sql } from './queries.ts';

/** Grafana has no MPa unit; a suffix keeps the SI value the device reports. */
const MPA = 'suffix: MPa';

/** A telemetry field of the selected devices over time, one series per device. */
function graph(
  kind: Kind,
  title: string,
  select: string,
  unit: string,
  opts: { thresholdField?: string } = {},
): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder()
    .title(title)
    .datasource(INFLUX)
    .withTarget(
      influxql(
        `SELECT ${select} FROM "${measurementOf(kind, 'telemetry')}" WHERE ${DEVICE_FILTER} GROUP BY time($__interval), "device" fill(none)`,
        { alias: '$tag_device' },
      ),
    )
    .unit(unit)
    .spanNulls(true)
    .height(8)
    .span(12);
  if (opts.thresholdField)
    p.thresholds(thresholdsFor(kind, opts.thresholdField)).thresholdsStyle(
      new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.LineAndArea),
    );
  return p;
}

/** A discrete field (direction, mode, on/off) as coloured bands per device. */
function states(kind: Kind, title: string, field: string): statetimeline.PanelBuilder {
  return new statetimeline.PanelBuilder()
    .title(title)
    .datasource(INFLUX)
    .withTarget(
      influxql(
        `SELECT last("${field}") FROM "${measurementOf(kind, 'telemetry')}" WHERE ${DEVICE_FILTER} GROUP BY time($__interval), "device" fill(none)`,
        { alias: '$tag_device' },
      ),
    )
    .height(8)
    .span(12);
}

/** The service records of the selected devices, newest first, each linking to the API. */
function recordsTable(tr: Tr): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(tr('这些设备的服务记录', 'Service records of these devices'))
    .datasource(RECORDS)
    .withTarget(
      sql(`SELECT id, state, priority, device_id, fault_code, title, fault_at, recovered_at, occurrences
FROM service_records
WHERE site_id = '$site' AND device_id IN ($device)
  AND (state NOT IN ('closed', 'cancelled') OR $__timeFilter(received_at))
ORDER BY received_at DESC
LIMIT 200`),
    )
    .dataLinks([recordLink(tr)])
    .height(8)
    .span(24);
}

/** The kind's fault events (raised and cleared) as annotations on every graph. */
function faultAnnotations(kind: Kind, tr: Tr): AnnotationQueryBuilder {
  return new AnnotationQueryBuilder()
    .name(tr('故障事件', 'Fault events'))
    .datasource(INFLUX)
    .enable(true)
    .iconColor('red')
    .target(
      influxql(
        `SELECT "state", "detail", "code" FROM "${EVENT_MEASUREMENT}" WHERE "kind" = '${kind}' AND ${DEVICE_FILTER}`,
        { refId: 'Anno', format: 'table', annotation: { textColumn: 'detail', tagsColumn: 'code,state' } },
      ),
    );
}

function kindDashboard(
  kind: Kind,
  lang: Lang,
  title: (tr: Tr) => string,
  panels: (tr: Tr) => cog.Builder<Panel>[],
): DashboardBuilder {
  const tr = translator(lang);
  const d = deviceVariables(baseDashboard(kind, lang, title(tr), tr), kind, tr);
  d.annotation(faultAnnotations(kind, tr));
  for (const p of [...panels(tr), recordsTable(tr)]) d.withPanel(p);
  return d;
}

export function liftDashboard(lang: Lang): DashboardBuilder {
  return kindDashboard(
    'lift',
    lang,
    (tr) => tr('电梯', 'Lifts'),
    (tr) => [
      graph('lift', tr('楼层', 'Floor'), 'last("floor")', 'none'),
      states('lift', tr('运行方向', 'Direction'), 'direction'),
      graph('lift', tr('速度', 'Speed'), 'max("speed_mps")', 'velocityms'),
      states('lift', tr('运行模式', 'Mode'), 'mode'),
      graph(
        'lift',
        tr('开关门次数', 'Door cycles'),
        'non_negative_difference(last("door_cycles_total"))',
        'none',
      ),
      graph('lift', tr('轿厢载荷', 'Car load'), 'max("load_kg")', 'masskg'),
    ],
  );
}

export function pumpDashboard(lang: Lang): DashboardBuilder {
  return kindDashboard(
    'pump',
    lang,
    (tr) => tr('二次供水泵房', 'Pump rooms'),
    (tr) => [
      graph('pump', tr('出水压力', 'Outlet pressure'), 'mean("outlet_pressure_mpa")', MPA, {
        thresholdField: 'outlet_pressure_mpa',
      }),
      graph('pump', tr('进水压力', 'Inlet pressure'), 'mean("inlet_pressure_mpa")', MPA),
      graph('pump', tr('流量', 'Flow'), 'mean("flow_m3ph")', 'suffix: m³/h'),
      graph('pump', tr('水箱液位', 'Tank level'), 'mean("tank_level_m")', 'lengthm', {
        thresholdField: 'tank_level_m',
      }),
      graph('pump', tr('运行水泵数', 'Pumps running'), 'last("pumps_running")', 'none'),
      graph('pump', tr('变频频率', 'Drive frequency'), 'mean("frequency_hz")', 'hertz'),
      graph('pump', tr('余氯', 'Residual chlorine'), 'mean("residual_chlorine_mgpl")', 'suffix: mg/L', {
        thresholdField: 'residual_chlorine_mgpl',
      }),
      graph('pump', tr('浊度', 'Turbidity'), 'mean("turbidity_ntu")', 'suffix: NTU', {
        thresholdField: 'turbidity_ntu',
      }),
    ],
  );
}

export function lightingDashboard(lang: Lang): DashboardBuilder {
  return kindDashboard(
    'lighting',
    lang,
    (tr) => tr('公共照明', 'Lighting'),
    (tr) => [
      states('lighting', tr('回路开关', 'Circuit on/off'), 'on'),
      graph('lighting', tr('回路电流', 'Circuit current'), 'mean("current_a")', 'amp'),
      graph('lighting', tr('故障灯具', 'Lamps failed'), 'last("lamps_failed")', 'none', {
        thresholdField: 'lamps_failed',
      }),
      graph('lighting', tr('用电量', 'Energy'), 'non_negative_difference(last("energy_kwh"))', 'kwatth'),
      graph('lighting', tr('应急照明电池电压', 'Emergency battery'), 'min("emergency_battery_v")', 'volt', {
        thresholdField: 'emergency_battery_v',
      }),
      graph('lighting', tr('环境照度', 'Ambient light'), 'mean("ambient_lux")', 'lux'),
    ],
  );
}

export function cctvDashboard(lang: Lang): DashboardBuilder {
  return kindDashboard(
    'cctv',
    lang,
    (tr) => tr('视频监控', 'CCTV'),
    (tr) => [
      graph('cctv', tr('在线摄像机', 'Cameras online'), 'last("cameras_online")', 'none'),
      graph('cctv', tr('录像中摄像机', 'Cameras recording'), 'last("cameras_recording")', 'none'),
      graph('cctv', tr('故障硬盘', 'Disks failed'), 'last("disks_failed")', 'none', {
        thresholdField: 'disks_failed',
      }),
      graph('cctv', tr('存储占用', 'Storage used'), 'last("disk_used_pct")', 'percent'),
      graph('cctv', tr('录像保存天数', 'Days of footage'), 'last("retention_days")', 'd'),
    ],
  );
}
