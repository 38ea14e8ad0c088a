/**
 * The estate overview (equipment health at a glance) and the service desk (records, deadlines and
 * the procedure's statistics over time). Both read the records database.
 */

import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import { ReduceDataOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { type DashboardBuilder, DashboardLinkBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { STATUS_MEASUREMENT } from '../ingest/line-protocol.ts';
import type { Lang } from '../records/service/i18n.ts';
import { baseDashboard, dashboardUid, recordLink, ref, type Tr, translator } from './common.ts';
import { INFLUX, influxql, RECORDS, sql } from './queries.ts';

const OPEN = `state NOT IN ('closed', 'cancelled')`;

function number(title: string, query: string, unit = 'none'): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .datasource(RECORDS)
    .withTarget(sql(query))
    .unit(unit)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .height(5)
    .span(6);
}

function rows(title: string, query: string, span = 12): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(title)
    .datasource(RECORDS)
    .withTarget(sql(query))
    .height(8)
    .span(span);
}

function bars(title: string, query: string, x: string): barchart.PanelBuilder {
  return new barchart.PanelBuilder()
    .title(title)
    .datasource(RECORDS)
    .withTarget(sql(query))
    .xField(x)
    .height(8)
    .span(12);
}

/** A link from a row holding `kind`, `device_id`, `from_ms`, `to_ms` to that device's dashboard. */
function deviceLink(tr: Tr, lang: Lang): DashboardLinkBuilder {
  const field = (name: string) => ref(`__data.fields.${name}`);
  return new DashboardLinkBuilder(tr('查看设备读数', "Open the device's readings")).url(
    `/d/${dashboardUid(field('kind'), lang)}?var-site=${ref('site')}&var-device=${field('device_id')}&from=${field('from_ms')}&to=${field('to_ms')}`,
  );
}

/** The device dashboard link spans 15 minutes either side of the fault, as the records' evidence links do. */
const FAULT_WINDOW = `(extract(epoch FROM r.fault_at) * 1000)::bigint - 900000 AS from_ms,
  (extract(epoch FROM r.fault_at) * 1000)::bigint + 900000 AS to_ms`;

/**
 * Device-time healthy over device-time total in the dashboard's range: the statistics' definition
 * (records/service/stats.ts), down while the records' view device_downtime says so; overlapping
 * spans count once.
 */
export const EQUIPMENT_INTACT_SQL = `WITH w AS (SELECT $__timeFrom()::timestamptz AS f, LEAST($__timeTo()::timestamptz, now()) AS t),
dev AS (
  SELECT d.id, tstzrange(GREATEST(d.created_at, w.f), LEAST(COALESCE(d.revoked_at, w.t), w.t)) AS span
  FROM devices d, w
  WHERE d.site_id = '$site' AND d.created_at < w.t AND (d.revoked_at IS NULL OR d.revoked_at > w.f)
),
down AS (
  SELECT x.device_id, range_agg(tstzrange(x.down_from, GREATEST(x.down_from, COALESCE(x.down_until, w.t)))) AS spans
  FROM device_downtime x, w
  WHERE x.site_id = '$site' AND x.down_from < w.t
  GROUP BY x.device_id
)
SELECT round((100 * (1 - COALESCE(sum(dn.s), 0) / NULLIF(sum(extract(epoch FROM upper(dev.span) - lower(dev.span))), 0)))::numeric, 2) AS intact_pct
FROM dev LEFT JOIN LATERAL (
  SELECT sum(extract(epoch FROM upper(x) - lower(x))) AS s
  FROM down, unnest(down.spans * multirange(dev.span)) AS x
  WHERE down.device_id = dev.id
) dn ON true`;

export function overviewDashboard(lang: Lang): DashboardBuilder {
  const tr = translator(lang);
  const d = baseDashboard('overview', lang, tr('小区设备总览', 'Estate overview'), tr);
  d.withPanel(
    number(
      tr('在用设备', 'Devices in service'),
      `SELECT count(*) AS devices FROM devices WHERE site_id = '$site' AND revoked_at IS NULL`,
    ),
  )
    .withPanel(
      number(
        tr('未关闭服务记录', 'Open service records'),
        `SELECT count(*) AS open FROM service_records WHERE site_id = '$site' AND ${OPEN}`,
      ),
    )
    .withPanel(
      number(
        tr('未处置巡逻警报', 'Open patrol alerts'),
        `SELECT count(*) AS open FROM patrol_alerts WHERE site_id = '$site' AND state IN ('raised', 'acknowledged', 'on_scene')`,
      ),
    )
    .withPanel(number(tr('设备完好率', 'Equipment intact rate'), EQUIPMENT_INTACT_SQL, 'percent'))
    .withPanel(
      bars(
        tr('设备状况（按类别）', 'Devices by kind and health'),
        `SELECT d.kind,
  count(*) FILTER (WHERE f.device_id IS NULL) AS healthy,
  count(f.device_id) AS faulty
FROM devices d
LEFT JOIN (SELECT DISTINCT device_id FROM service_records
  WHERE site_id = '$site' AND source = 'device' AND ${OPEN} AND recovered_at IS NULL) f ON f.device_id = d.id
WHERE d.site_id = '$site' AND d.revoked_at IS NULL
GROUP BY d.kind ORDER BY d.kind`,
        'kind',
      ),
    )
    .withPanel(
      new table.PanelBuilder()
        .title(tr('设备上下线', 'Devices going online and offline'))
        .datasource(INFLUX)
        .withTarget(
          influxql(
            `SELECT last("state") AS "state" FROM "${STATUS_MEASUREMENT}" WHERE "site" = '$site' AND $timeFilter GROUP BY "kind", "device"`,
            { format: 'table' },
          ),
        )
        .height(8)
        .span(12),
    )
    .withPanel(
      rows(
        tr('未恢复的设备故障', 'Device faults not yet recovered'),
        `SELECT r.id, r.priority, r.state, d.kind, r.device_id, r.fault_code, r.title, r.fault_at, r.occurrences,
  ${FAULT_WINDOW}
FROM service_records r JOIN devices d ON d.id = r.device_id
WHERE r.site_id = '$site' AND r.source = 'device' AND r.${OPEN} AND r.recovered_at IS NULL
ORDER BY r.fault_at DESC LIMIT 200`,
        24,
      ).dataLinks([recordLink(tr), deviceLink(tr, lang)]),
    )
    .withPanel(
      rows(
        tr('巡逻警报', 'Patrol alerts'),
        `SELECT id, priority, state, code, title, location, raised_at, guard_id
FROM patrol_alerts
WHERE site_id = '$site' AND (state IN ('raised', 'acknowledged', 'on_scene') OR $__timeFilter(raised_at))
ORDER BY raised_at DESC LIMIT 200`,
        24,
      ),
    );
  return d;
}

export function deskDashboard(lang: Lang): DashboardBuilder {
  const tr = translator(lang);
  const d = baseDashboard('desk', lang, tr('服务中心', 'Service desk'), tr);
  d.withPanel(
    bars(
      tr('未关闭记录（按状态）', 'Open records by state'),
      `SELECT state, count(*) AS records FROM service_records WHERE site_id = '$site' AND ${OPEN} GROUP BY state ORDER BY state`,
      'state',
    ),
  )
    .withPanel(
      bars(
        tr('未关闭记录（按专业）', 'Open records by trade'),
        `SELECT trade, count(*) AS records FROM service_records WHERE site_id = '$site' AND ${OPEN} GROUP BY trade ORDER BY trade`,
        'trade',
      ),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title(tr('超时（按环节，每小时）', 'Deadline breaches per hour, by step'))
        .datasource(RECORDS)
        .withTarget(
          sql(
            `SELECT date_trunc('hour', b.breached_at) AS time, d.step AS metric, count(*) AS breaches
FROM sla_breaches b JOIN sla_deadlines d ON d.id = b.deadline_id
WHERE d.site_id = '$site' AND $__timeFilter(b.breached_at)
GROUP BY 1, 2 ORDER BY 1`,
            { format: 'time_series' },
          ),
        )
        .height(8)
        .span(12),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title(
          tr('及时率、满意率、一次合格率（每日）', 'Timeliness, satisfaction and first-time pass, per day'),
        )
        .description(
          tr(
            '与统计接口同一口径：及时率 = 无超时记录 / 当日受理记录；满意率 = 满意回访 / 已回访；一次合格率 = 无返工 / 已验收。',
            'Defined as in the statistics API: timeliness = records without a breach / records received that day; satisfaction = satisfied visits / visits; first-time pass = no rework / accepted.',
          ),
        )
        .datasource(RECORDS)
        .withTarget(
          sql(
            `SELECT date_trunc('day', r.received_at AT TIME ZONE s.timezone) AT TIME ZONE s.timezone AS time,
  round(100.0 * count(*) FILTER (WHERE NOT EXISTS (
    SELECT 1 FROM sla_deadlines dl JOIN sla_breaches b ON b.deadline_id = dl.id
    WHERE dl.subject = 'record' AND dl.subject_id = r.id)) / count(*), 1) AS timeliness_pct,
  round(100.0 * count(*) FILTER (WHERE r.visit_satisfied)
    / NULLIF(count(*) FILTER (WHERE r.visited_at IS NOT NULL), 0), 1) AS satisfaction_pct,
  round(100.0 * count(*) FILTER (WHERE r.accepted_at IS NOT NULL AND r.rework_count = 0)
    / NULLIF(count(*) FILTER (WHERE r.accepted_at IS NOT NULL), 0), 1) AS first_time_pass_pct
FROM service_records r JOIN sites s ON s.id = r.site_id
WHERE r.site_id = '$site' AND r.state <> 'cancelled' AND $__timeFilter(r.received_at)
GROUP BY 1 ORDER BY 1`,
            { format: 'time_series' },
          ),
        )
        .unit('percent')
        .min(0)
        .max(100)
        .height(8)
        .span(12),
    )
    .withPanel(
      rows(
        tr('超时明细', 'Deadline breaches'),
        `SELECT b.breached_at, d.step, d.subject, d.subject_id AS id, r.priority, r.state, r.title
FROM sla_breaches b JOIN sla_deadlines d ON d.id = b.deadline_id
LEFT JOIN service_records r ON d.subject = 'record' AND r.id = d.subject_id
WHERE d.site_id = '$site' AND $__timeFilter(b.breached_at)
ORDER BY b.breached_at DESC LIMIT 200`,
        12,
      ).dataLinks([recordLink(tr)]),
    )
    .withPanel(
      rows(
        tr('未关闭记录', 'Open records'),
        `SELECT id, priority, state, type, trade, source, title, assignee_id, escalation_level, received_at, state_since
FROM service_records
WHERE site_id = '$site' AND ${OPEN}
ORDER BY CASE priority WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, received_at
LIMIT 500`,
        12,
      ).dataLinks([recordLink(tr)]),
    );
  return d;
}
