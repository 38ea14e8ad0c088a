/** The estate overview: equipment health at a glance, from the records database and InfluxDB. */
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DashboardLinkBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { STATUS_MEASUREMENT } from '../ingest/index.ts';
import type { Lang } from '../protocol/index.ts';
import {
  baseDashboard,
  dashboardUid,
  NEUTRAL,
  recordLink,
  ref,
  steps,
  type Tr,
  translator,
  words,
  ZERO_IS_GOOD,
} from './common.ts';
import { INTACT_BY_KIND_AND_ZONE_SQL } from './intact-sql.ts';
import { shippedRules } from './limits.ts';
import { INFLUX, influxql } from './queries.ts';
import { bars, coloured, number, OPEN, priorities, rows } from './records-panels.ts';

/** The managers' target for the equipment intact rate: at least 99% of device-time healthy (docs/architecture.md). */
const INTACT_TARGET_PCT = 99;

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

/** How long a device's `offline` status must last before its record opens, when every kind agrees. */
function offlineForS(): string {
  const all = new Set(
    Object.values(shippedRules().kinds).flatMap((k) => (k.heartbeat ? [k.heartbeat.offlineForS] : [])),
  );
  return all.size === 1 ? `${[...all][0]}` : [...all].join('/');
}

export function overviewDashboard(lang: Lang): DashboardBuilder {
  const tr = translator(lang);
  const d = baseDashboard('overview', lang, tr('小区设备总览', 'Estate overview'), tr);
  d.withPanel(
    number(
      tr('在用设备', 'Devices in service'),
      tr(
        '本小区登记且未注销的设备数，即设备完好率的分母。从未上报过的设备也计算在内。',
        'Devices registered on this estate and not revoked: what the intact rate is counted over. A device that never reported counts too.',
      ),
      `SELECT count(*) AS devices FROM devices WHERE site_id = '$site' AND revoked_at IS NULL`,
      NEUTRAL(),
    ),
  )
    .withPanel(
      number(
        tr('未关闭服务记录', 'Open service records'),
        tr(
          '尚未关闭或取消的服务记录，含来电、员工报事和设备故障。这是服务中心手上的工作，蓝色不是告警；各环节时限见“服务中心”面板。',
          'Service records not yet closed or cancelled, from every source (calls, staff, devices). They are the desk’s work in hand, so blue is no alarm; the Service desk dashboard shows their deadlines.',
        ),
        `SELECT count(*) AS open FROM service_records WHERE site_id = '$site' AND ${OPEN}`,
        steps([null, 'green'], [1, 'blue']),
      ),
    )
    .withPanel(
      number(
        tr('未处置巡逻警报', 'Open patrol alerts'),
        tr(
          '已发出、已确认或保安已到场的巡逻警报：困人、入侵、破坏、监控盲区等。大于 0（红色）表示保安有事要处理，0（绿色）为正常。',
          'Patrol alerts raised, acknowledged or with a guard on scene: entrapments, intrusions, tampering, blind spots. Any (red) means the guards have something to attend to; 0 (green) is normal.',
        ),
        `SELECT count(*) AS open FROM patrol_alerts WHERE site_id = '$site' AND state IN ('raised', 'acknowledged', 'on_scene')`,
        ZERO_IS_GOOD(),
      ),
    )
    .withPanel(
      number(
        tr('设备完好率', 'Equipment intact rate'),
        tr(
          `所选时间段内设备无未恢复故障的时间占比，与统计接口同一口径（设备故障从故障时间算到恢复、完工或关闭）。目标不低于 ${INTACT_TARGET_PCT}%（绿色），低于为红色。`,
          `Share of device-time in the time range without an open device fault, as the statistics API counts it (a fault lasts from its time to recovery, work done or close). The target is at least ${INTACT_TARGET_PCT}% (green); below is red.`,
        ),
        EQUIPMENT_INTACT_SQL,
        steps([null, 'red'], [INTACT_TARGET_PCT, 'green']),
        'percent',
      ),
    )
    .withPanel(
      bars(
        tr('设备状况（按类别）', 'Devices by kind and health'),
        tr(
          '各类设备中：没有未恢复设备故障的（完好，绿色）和有的（故障，红色）。',
          'Per kind of device: those without an open, unrecovered device fault (healthy, green) and those with one (faulty, red).',
        ),
        `SELECT d.kind,
  count(*) FILTER (WHERE f.device_id IS NULL) AS healthy,
  count(f.device_id) AS faulty
FROM devices d
LEFT JOIN (SELECT DISTINCT device_id FROM service_records
  WHERE site_id = '$site' AND source = 'device' AND ${OPEN} AND recovered_at IS NULL) f ON f.device_id = d.id
WHERE d.site_id = '$site' AND d.revoked_at IS NULL
GROUP BY d.kind ORDER BY d.kind`,
        'kind',
      )
        .overrideByName('healthy', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'green' } }])
        .overrideByName('faulty', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }]),
    )
    .withPanel(
      coloured(
        new table.PanelBuilder()
          .title(tr('设备上下线', 'Devices going online and offline'))
          .description(
            tr(
              `所选时间段内每台设备最后报告的在线状态（保留消息；设备不告而别时由代理发出离线）。离线持续 ${offlineForS()} 秒即开“离线”记录；同一小区大量设备同时离线则合并为一条小区事件记录。`,
              `The last status each device reported in the time range (its retained status message; the broker sends offline for a device that drops without saying goodbye). Offline for ${offlineForS()} s opens an offline record; many devices of one estate down together become one site incident record instead.`,
            ),
          )
          .datasource(INFLUX)
          .withTarget(
            influxql(
              `SELECT last("state") AS "state" FROM "${STATUS_MEASUREMENT}" WHERE "site" = '$site' AND $timeFilter GROUP BY "kind", "device"`,
              { format: 'table' },
            ),
          )
          .thresholds(NEUTRAL())
          .height(8)
          .span(12),
        'state',
        words(tr, { online: ['在线', 'online', 'green'], offline: ['离线', 'offline', 'red'] }),
      ),
    )
    .withPanel(
      coloured(
        rows(
          tr('未恢复的设备故障', 'Device faults not yet recovered'),
          tr(
            '设备尚未报告恢复的未关闭设备记录，最新的在前。每行可打开服务记录，或打开该设备故障前后 15 分钟的读数。',
            "Open device records whose device has not reported the fault cleared, newest first. Each row opens the record, or the device's readings 15 min either side of the fault.",
          ),
          `SELECT r.id, r.priority, r.state, d.kind, r.device_id, r.fault_code, r.title, r.fault_at, r.occurrences,
  ${FAULT_WINDOW}
FROM service_records r JOIN devices d ON d.id = r.device_id
WHERE r.site_id = '$site' AND r.source = 'device' AND r.${OPEN} AND r.recovered_at IS NULL
ORDER BY r.fault_at DESC LIMIT 200`,
          24,
        ).dataLinks([recordLink(tr), deviceLink(tr, lang)]),
        'priority',
        priorities(tr),
      ),
    )
    .withPanel(
      coloured(
        rows(
          tr('巡逻警报', 'Patrol alerts'),
          tr(
            '未处置的巡逻警报，以及所选时间段内发出的全部警报，最新的在前。guard_id 是接警的保安。',
            'Patrol alerts still open, and every alert raised in the time range, newest first. guard_id is the guard who took it.',
          ),
          `SELECT id, priority, state, code, title, location, raised_at, guard_id
FROM patrol_alerts
WHERE site_id = '$site' AND (state IN ('raised', 'acknowledged', 'on_scene') OR $__timeFilter(raised_at))
ORDER BY raised_at DESC LIMIT 200`,
          24,
        ),
        'priority',
        priorities(tr),
      ),
    )
    .withPanel(
      rows(
        tr('设备完好率（按类别、按片区）', 'Equipment intact rate by kind and by zone'),
        tr(
          `所选时间段内各类设备、各片区（其楼栋内的设备）无未恢复故障的时间占比，与统计接口按类别、按片区的口径相同。目标不低于 ${INTACT_TARGET_PCT}%（绿色），低于为红色。`,
          `Share of device-time in the time range without an open device fault, per kind of device and per zone (the devices in its buildings), as the statistics API counts it per kind and with a zone. The target is at least ${INTACT_TARGET_PCT}% (green); below is red.`,
        ),
        INTACT_BY_KIND_AND_ZONE_SQL,
      )
        .overrideByName('intact_pct', [
          { id: 'unit', value: 'percent' },
          { id: 'thresholds', value: steps([null, 'red'], [INTACT_TARGET_PCT, 'green']).build() },
          { id: 'custom.cellOptions', value: { type: 'color-text' } },
        ])
        .overrideByName('per', [
          {
            id: 'mappings',
            value: words(tr, { kind: ['类别', 'kind', 'text'], zone: ['片区', 'zone', 'text'] }),
          },
        ])
        .overrideByName('name', [
          {
            id: 'mappings',
            value: words(tr, {
              lift: ['电梯', 'lifts', 'text'],
              pump: ['水泵房', 'pump rooms', 'text'],
              lighting: ['照明', 'lighting', 'text'],
              cctv: ['监控', 'CCTV', 'text'],
            }),
          },
        ]),
    );
  return d;
}
