/**
 * Planned work, for the managers and the engineering supervisors: maintenance jobs by plan and
 * inspection rounds by route, with the statistics' plan and round rates over the time range
 * (docs/service-records.md, "Maintenance plans", "Inspection rounds", "Statistics").
 */
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Lang } from '../protocol/index.ts';
import { baseDashboard, recordLink, steps, translator, words, ZERO_IS_GOOD } from './common.ts';
import {
  JOBS_BY_PLAN_KIND_SQL,
  OVERDUE_COUNT_SQL,
  OVERDUE_JOBS_SQL,
  PLAN_RATES_SQL,
  ROUND_RATES_SQL,
  ROUNDS_BY_ROUTE_SQL,
  ROUNDS_MISSED_LATE_SQL,
  ROUNDS_MISSED_SQL,
} from './planned-sql.ts';
import { bars, coloured, number, rows } from './records-panels.ts';

/**
 * Planned work is known in advance, so its targets are those of the timeliness rate in the
 * managers' "three rates" table (docs/architecture.md): 100%. Lift maintenance at least every
 * 15 days is a legal duty (《特种设备安全监察条例》 art. 31), not a goal to approach.
 */
const TARGET_PCT = 100;

const fixed = (color: string) => [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }];

export function plannedDashboard(lang: Lang): DashboardBuilder {
  const tr = translator(lang);
  const d = baseDashboard(
    'planned',
    lang,
    tr('计划工作：维保与巡检', 'Planned work: maintenance and rounds'),
    tr,
  )
    // Plans run on 15-day and monthly cycles: a month shows a cycle in full.
    .time({ from: 'now-30d', to: 'now' })
    .refresh('5m');
  const target = steps([null, 'red'], [TARGET_PCT, 'green']);
  d.withPanel(
    number(
      tr('维保完成率、按时率', 'Maintenance jobs done, and on time'),
      tr(
        `与统计接口同一口径：所选时间段内已到期的维保工单（到期时间已过），完成率 = 已完工（任何时间）/ 到期工单，按时率 = 到期前完工 / 到期工单；放弃（取消）的工单算未完成。目标 ${TARGET_PCT}%，低于为红色。`,
        `As the statistics API counts them: maintenance jobs whose due time falls in the time range and has passed. Done = work completed (at any time) / jobs due; on time = completed by the due time / jobs due; an abandoned (cancelled) job counts as not done. The target is ${TARGET_PCT}%; below is red.`,
      ),
      PLAN_RATES_SQL,
      target,
      'percent',
    ),
  )
    .withPanel(
      number(
        tr('巡检点完成率、按时巡检率', 'Round points confirmed, and rounds on time'),
        tr(
          `与统计接口同一口径：所选时间段内到期的巡检/巡更（计划时间，临时巡检按开始时间）。点位完成率 = 已确认点位 / 应到点位（未开始或漏巡的按路线现有点位计）；按时率 = 按时开始且按时走完的巡检 / 到期巡检。目标 ${TARGET_PCT}%，低于为红色。`,
          `As the statistics API counts them: rounds due in the time range (a scheduled round by its time, an unscheduled one by its start). Completion = points confirmed / points due (a round never started, or missed, counts its route's checkpoints); on time = rounds started within round_start and finished within round_finish / rounds due. The target is ${TARGET_PCT}%; below is red.`,
        ),
        ROUND_RATES_SQL,
        target,
        'percent',
      ),
    )
    .withPanel(
      number(
        tr('逾期维保工单（当前）', 'Maintenance jobs overdue now'),
        tr(
          '现在已过到期时间、尚未完工也未放弃的维保工单，不论时间段。目标是 0（绿色）；明细见下方“逾期维保工单”表。',
          'Maintenance jobs past their due time now, neither completed nor abandoned, whatever the time range. The target is 0 (green); the table "Overdue maintenance jobs" below lists them.',
        ),
        OVERDUE_COUNT_SQL,
        ZERO_IS_GOOD(),
      ),
    )
    .withPanel(
      number(
        tr('漏巡次数', 'Rounds missed'),
        tr(
          '所选时间段内到期、直到下一次排班到期都没有开始的巡检/巡更。目标是 0（绿色）。',
          'Rounds due in the time range that nobody started before the schedule’s next round came due. The target is 0 (green).',
        ),
        ROUNDS_MISSED_SQL,
        ZERO_IS_GOOD(),
      ),
    )
    .withPanel(
      bars(
        tr('维保工单（按计划类别）', 'Maintenance jobs by kind of plan'),
        tr(
          '所选时间段内已到期的维保工单，按计划模板（电梯半月维保、水箱清洗、应急照明等）：到期 = 已完工（绿）+ 逾期未完工（红）+ 放弃（橙）。目标：到期的全部完工。',
          'Maintenance jobs due in the time range (due time passed), per plan template (lift half-monthly, tank cleaning, emergency lighting...): due = done (green) + overdue, not done (red) + abandoned (orange). The target: every job due is done.',
        ),
        JOBS_BY_PLAN_KIND_SQL,
        'plan_kind',
      )
        .overrideByName('due', fixed('blue'))
        .overrideByName('done', fixed('green'))
        .overrideByName('overdue', fixed('red'))
        .overrideByName('abandoned', fixed('orange')),
    )
    .withPanel(
      bars(
        tr('巡检/巡更（按路线）', 'Rounds by route'),
        tr(
          '所选时间段内到期的巡检/巡更，按路线：按时（绿，含尚未超时的）、超时（橙：开始晚了或走完晚了）、漏巡（红：从未开始）。三者之和为到期次数。目标：全部按时。',
          'Rounds due in the time range, per route: on time (green, with those not late yet), late (orange: started or finished after the limit) and missed (red: never started). They add up to the rounds due. The target: every round on time.',
        ),
        ROUNDS_BY_ROUTE_SQL,
        'route',
      )
        .overrideByName('on_time', fixed('green'))
        .overrideByName('late', fixed('orange'))
        .overrideByName('missed', fixed('red')),
    )
    .withPanel(
      coloured(
        rows(
          tr('逾期维保工单', 'Overdue maintenance jobs'),
          tr(
            '现在已过到期时间、尚未完工也未放弃的维保工单，最早到期的在前；overdue_h 为逾期小时数。点击打开工单的服务记录。目标：表为空。',
            'Maintenance jobs past their due time now, neither completed nor abandoned, the longest overdue first; overdue_h is the hours since the due time. Click to open the job’s service record. The target: an empty table.',
          ),
          OVERDUE_JOBS_SQL,
        ).dataLinks([recordLink(tr)]),
        'state',
        words(tr, {
          dispatched: ['已派工', 'dispatched', 'orange'],
          in_progress: ['处理中', 'in progress', 'blue'],
          escalated: ['已升级', 'escalated', 'red'],
        }),
      ),
    )
    .withPanel(
      coloured(
        rows(
          tr('漏巡和超时的巡检', 'Missed and late rounds'),
          tr(
            '所选时间段内到期、漏巡（从未开始）或超时（开始晚了、走完晚了或仍在超时巡查）的巡检/巡更，最新的在前；points_confirmed / points_due 为已确认点位 / 应到点位。目标：表为空。',
            'Rounds due in the time range that were missed (never started) or late (started late, finished late, or still walking past the limit), newest first; points_confirmed / points_due are the points confirmed and due. The target: an empty table.',
          ),
          ROUNDS_MISSED_LATE_SQL,
        ),
        'outcome',
        words(tr, { missed: ['漏巡', 'missed', 'red'], late: ['超时', 'late', 'orange'] }),
      ),
    );
  return d;
}
