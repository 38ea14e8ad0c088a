/** The service desk: open records, deadlines missed and the procedure's statistics over time. */
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { Lang } from '../protocol/index.ts';
import { baseDashboard, recordLink, steps, translator, ZERO_IS_GOOD } from './common.ts';
import { RECORDS, sql } from './queries.ts';
import { bars, coloured, OPEN, priorities, rows } from './records-panels.ts';

/**
 * The managers' targets ("three rates" table, docs/architecture.md): timeliness and first-time pass 100%,
 * satisfaction above 98%. The panel rounds to 0.1, so 98.1 is the first value above 98.
 */
const TARGETS = { timeliness_pct: 100, satisfaction_pct: 98.1, first_time_pass_pct: 100 } as const;

export function deskDashboard(lang: Lang): DashboardBuilder {
  const tr = translator(lang);
  const d = baseDashboard('desk', lang, tr('服务中心', 'Service desk'), tr);
  const rates = new timeseries.PanelBuilder()
    .title(tr('及时率、满意率、一次合格率（每日）', 'Timeliness, satisfaction and first-time pass, per day'))
    .description(
      tr(
        '与统计接口同一口径：及时率 = 无超时记录 / 当日受理记录；满意率 = 满意回访 / 已回访；一次合格率 = 无返工 / 已验收。目标：及时率和一次合格率 100%，满意率高于 98%；未达标的日子为红色。',
        'Defined as in the statistics API: timeliness = records without a breach / records received that day; satisfaction = satisfied visits / visits; first-time pass = no rework / accepted. Targets: timeliness and first-time pass 100%, satisfaction above 98%; days below target are red.',
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
    .thresholds(steps([null, 'red'], [TARGETS.satisfaction_pct, 'green']))
    .height(8)
    .span(12);
  // Each rate against its own target.
  for (const [field, target] of Object.entries(TARGETS))
    rates.overrideByName(field, [
      { id: 'thresholds', value: steps([null, 'red'], [target, 'green']).build() },
    ]);

  d.withPanel(
    bars(
      tr('未关闭记录（按状态）', 'Open records by state'),
      tr(
        '未关闭记录在流程各环节的数量：受理、派工、接单、到场、方案、处理中、升级、待验收、回访。某一环节堆积，就是服务中心卡住的地方。',
        'Open records per step of the procedure: received, dispatched, acknowledged, on site, planned, in progress, escalated, awaiting acceptance, return visit. A pile in one step is where the desk is stuck.',
      ),
      `SELECT state, count(*) AS records FROM service_records WHERE site_id = '$site' AND ${OPEN} GROUP BY state ORDER BY state`,
      'state',
    ),
  )
    .withPanel(
      bars(
        tr('未关闭记录（按专业）', 'Open records by trade'),
        tr(
          '未关闭记录按专业（工程、秩序、消防、保洁、客服）分布：谁手上有活。',
          'Open records per trade (engineering, security, fire, cleaning, customer service): who has the work.',
        ),
        `SELECT trade, count(*) AS records FROM service_records WHERE site_id = '$site' AND ${OPEN} GROUP BY trade ORDER BY trade`,
        'trade',
      ),
    )
    .withPanel(
      new timeseries.PanelBuilder()
        .title(tr('超时（按环节，每小时）', 'Deadline breaches per hour, by step'))
        .description(
          tr(
            '每小时错过的时限，按环节（录入、派工、接单、到场、方案、升级、投诉答复、巡逻警报确认与到场等，时限为本小区的设置）。目标是 0。',
            "Deadlines missed per hour, per step (record, dispatch, acknowledge, on site, plan, escalate, complaint answer, patrol alert acknowledged and on scene..., against this estate's limits). The target is 0.",
          ),
        )
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
        .thresholds(ZERO_IS_GOOD())
        .height(8)
        .span(12),
    )
    .withPanel(rates)
    .withPanel(
      coloured(
        rows(
          tr('超时明细', 'Deadline breaches'),
          tr(
            '所选时间段内的每次超时：哪个环节、哪条记录（点击打开）、记录现在的状态。',
            'Every breach in the time range: which step, which record (click to open it), and where the record stands now.',
          ),
          `SELECT b.breached_at, d.step, d.subject, d.subject_id AS id, r.priority, r.state, r.title
FROM sla_breaches b JOIN sla_deadlines d ON d.id = b.deadline_id
LEFT JOIN service_records r ON d.subject = 'record' AND r.id = d.subject_id
WHERE d.site_id = '$site' AND $__timeFilter(b.breached_at)
ORDER BY b.breached_at DESC LIMIT 200`,
          12,
        ).dataLinks([recordLink(tr)]),
        'priority',
        priorities(tr),
      ),
    )
    .withPanel(
      coloured(
        rows(
          tr('未关闭记录', 'Open records'),
          tr(
            '全部未关闭记录，紧急的在前，同级按受理时间。escalation_level：0 未升级，1 专业主管，2 管理层例会。state_since 是进入当前环节的时间。',
            "Every open record, emergencies first, then by time received. escalation_level: 0 none, 1 the trade's supervisor, 2 the managers' meeting. state_since is when it entered its current step.",
          ),
          `SELECT id, priority, state, type, trade, source, title, assignee_id, escalation_level, received_at, state_since
FROM service_records
WHERE site_id = '$site' AND ${OPEN}
ORDER BY CASE priority WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, received_at
LIMIT 500`,
          12,
        ).dataLinks([recordLink(tr)]),
        'priority',
        priorities(tr),
      ),
    );
  return d;
}
