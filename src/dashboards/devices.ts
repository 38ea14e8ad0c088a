/**
 * What every device kind's dashboard is made of: readings of the selected devices over time, states
 * as coloured bands, the kind's fault events as annotations and the devices' service records.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
} from '@grafana/grafana-foundation-sdk/common';
import {
  AnnotationQueryBuilder,
  type DashboardBuilder,
  type Panel,
  type ThresholdsConfigBuilder,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { EVENT_MEASUREMENT, measurementOf } from '../ingest/index.ts';
import type { Kind, Lang } from '../protocol/index.ts';
import {
  baseDashboard,
  DEVICE_FILTER,
  deviceVariables,
  NEUTRAL,
  recordLink,
  type Tr,
  translator,
} from './common.ts';
import { limitNote, thresholdsFor } from './limits.ts';
import { INFLUX, influxql, RECORDS, sql } from './queries.ts';

/** Grafana has no MPa unit; a suffix keeps the SI value the device reports. */
export const MPA = 'suffix: MPa';

export interface GraphSpec {
  title: string;
  /** What the reading is and how to read it, for an engineer new to the estate. */
  description: string;
  /** InfluxQL selector, e.g. `mean("outlet_pressure_mpa")`. */
  select: string;
  unit: string;
  /** A field with threshold rules: its limits drawn red and told at the end of the description. */
  limit?: { field: string; unit: string };
  /** Colours of a field no threshold rule judges (default: neutral). */
  thresholds?: ThresholdsConfigBuilder;
}

/** A telemetry field of the selected devices over time, one series per device. */
export function graph(kind: Kind, spec: GraphSpec, tr: Tr): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(
      spec.limit
        ? `${spec.description}${tr('', ' ')}${limitNote(kind, spec.limit.field, spec.limit.unit, tr)}`
        : spec.description,
    )
    .datasource(INFLUX)
    .withTarget(
      influxql(
        `SELECT ${spec.select} FROM "${measurementOf(kind, 'telemetry')}" WHERE ${DEVICE_FILTER} GROUP BY time($__interval), "device" fill(none)`,
        { alias: '$tag_device' },
      ),
    )
    .unit(spec.unit)
    .spanNulls(true)
    .height(8)
    .span(12);
  if (spec.limit)
    p.thresholds(thresholdsFor(kind, spec.limit.field)).thresholdsStyle(
      new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.LineAndArea),
    );
  else if (spec.thresholds)
    p.thresholds(spec.thresholds).thresholdsStyle(
      new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed),
    );
  else p.thresholds(NEUTRAL());
  return p;
}

/** A discrete field (direction, mode, on/off) as coloured bands per device, its values in words. */
export function states(
  kind: Kind,
  spec: { title: string; description: string; field: string; mappings: ValueMapping[] },
): statetimeline.PanelBuilder {
  return new statetimeline.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(INFLUX)
    .withTarget(
      influxql(
        `SELECT last("${spec.field}") FROM "${measurementOf(kind, 'telemetry')}" WHERE ${DEVICE_FILTER} GROUP BY time($__interval), "device" fill(none)`,
        { alias: '$tag_device' },
      ),
    )
    .mappings(spec.mappings)
    .thresholds(NEUTRAL())
    .height(8)
    .span(12);
}

/** The service records of the selected devices, newest first, each linking to the API. */
function recordsTable(tr: Tr): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(tr('这些设备的服务记录', 'Service records of these devices'))
    .description(
      tr(
        '所选设备的服务记录：未关闭的全部列出，已关闭或已取消的只列所选时间段内受理的。fault_at 是故障发生时间，recovered_at 是设备自行恢复的时间，occurrences 是同一故障重复上报的次数。点击一行打开记录（需要 API 令牌）。',
        'Service records of the selected devices: every open one, and the closed or cancelled ones received in the time range. fault_at is when the fault began, recovered_at when the device reported it cleared, occurrences how often the same fault was reported again. Click a row to open the record (the API asks for a token).',
      ),
    )
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
    .thresholds(NEUTRAL())
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

/** A kind's dashboard: its pickers, fault annotations, the given panels and the records table. */
export function kindDashboard(
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
