/**
 * The platform's own health, for operators: services up, the broker, ingest, rules, the service
 * desk's queue, the API and the process, from Prometheus scraping the API's /metrics. Where an
 * alert watches a panel (alerts.ts) the panel draws the alert's threshold.
 */
import {
  type DashboardBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { Lang } from '../protocol/index.ts';
import { frame, steps, type Tr, translator, words, ZERO_IS_GOOD } from './common.ts';
import { m, single } from './platform-panels.ts';
import { brokerRow, ingestRow, rulesRow } from './platform-pipeline.ts';
import { apiRow, deskRow, processRow } from './platform-serving.ts';
import { PROMETHEUS } from './queries.ts';

const up = (tr: Tr) => words(tr, { 1: ['正常', 'up', 'green'], 0: ['停止', 'down', 'red'] });

export function platformDashboard(lang: Lang): DashboardBuilder {
  const tr = translator(lang);
  const d = frame('platform', lang, tr('平台运行状况', 'Platform health'), tr)
    .time({ from: 'now-3h', to: 'now' })
    .withVariable(
      new QueryVariableBuilder('instance')
        .label(tr('进程', 'Process'))
        .description(tr('Prometheus 抓取的平台进程', "The platform's processes Prometheus scrapes"))
        .datasource({ ...PROMETHEUS })
        .query('label_values(fm_service_up, instance)')
        .definition('label_values(fm_service_up, instance)')
        .refresh(VariableRefresh.OnDashboardLoad)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        // New processes join "All" without reloading the variable.
        .allValue('.+')
        .current({ text: 'All', value: '$__all' }),
    );
  d.withRow(new RowBuilder(tr('服务', 'Services')).id(100))
    .withPanel(
      single({
        key: 'services',
        title: tr('服务状态', 'Services up'),
        description: tr(
          '各服务在 /health 上的状态：代理接受设备、接入服务有代理会话、规则服务在运行为“正常”。停止超过 2 分钟会告警（FacilityServiceDown）；GET /health 说明原因。',
          'Each service as /health sees it: the broker accepting devices, ingest holding its broker session, rules running. Down for 2 minutes alerts (FacilityServiceDown); GET /health says why.',
        ),
        expr: `min by (service) (${m('fm_service_up')})`,
        legend: '{{service}}',
        thresholds: steps([null, 'red'], [1, 'green']),
        mappings: up(tr),
        span: 8,
      }),
    )
    .withPanel(
      single({
        key: 'influx',
        title: tr('InfluxDB 写入', 'InfluxDB writes'),
        description: tr(
          '最近一次写入 InfluxDB 是否成功。“重试中”时读数先留在内存，再写入磁盘缓存。',
          'Whether the last write to InfluxDB succeeded. While retrying, readings wait in memory, then in the disk spool.',
        ),
        expr: `min(${m('fm_ingest_influx_up')})`,
        thresholds: steps([null, 'red'], [1, 'green']),
        mappings: words(tr, { 1: ['正常', 'writing', 'green'], 0: ['重试中', 'retrying', 'red'] }),
        noValue: tr('未配置 InfluxDB', 'no InfluxDB'),
      }),
    )
    .withPanel(
      single({
        key: 'spool',
        title: tr('磁盘缓存的读数', 'Readings in the spool'),
        description: tr(
          '因 InfluxDB 停止或变慢而写入磁盘缓存、尚未补写的行数。0 为正常；持续 5 分钟以上会告警（FacilityIngestSpooling）。',
          'Lines kept in the disk spool because InfluxDB is down or slow, not yet replayed. 0 is normal; 5 minutes or more alerts (FacilityIngestSpooling).',
        ),
        expr: `sum(${m('fm_ingest_buffered_lines', 'where="spool"')})`,
        thresholds: ZERO_IS_GOOD(),
      }),
    )
    .withPanel(
      single({
        key: 'pending',
        title: tr('待写入的规则动作', 'Rules actions waiting'),
        description: tr(
          '规则已判定、尚未写入记录库的记录、警报和恢复。短暂出现是正常的；10 分钟不归零会告警（FacilityRulesActionsStuck）：记录库停止或拒绝写入。',
          'Records, alerts and recoveries rules decided but not yet written. Briefly above 0 is normal; not back to 0 for 10 minutes alerts (FacilityRulesActionsStuck): the records database is down or refusing them.',
        ),
        expr: `sum(${m('fm_rules_pending_actions')})`,
        thresholds: ZERO_IS_GOOD('orange'),
      }),
    )
    .withPanel(
      single({
        key: 'uptime',
        title: tr('运行时长', 'Up for'),
        description: tr(
          '各进程自启动以来的时间。10 分钟以内（橙色）表示刚重启过：看日志找原因。',
          'Time since each process started. Under 10 minutes (orange) means it restarted recently: the log says why.',
        ),
        expr: `time() - ${m('process_start_time_seconds')}`,
        legend: '{{instance}}',
        unit: 's',
        thresholds: steps([null, 'orange'], [600, 'green']),
      }),
    );
  for (const row of [brokerRow, ingestRow, rulesRow, deskRow, apiRow, processRow].map((r) => r(tr))) {
    d.withRow(row.row);
    for (const p of row.panels) d.withPanel(p);
  }
  return d;
}
