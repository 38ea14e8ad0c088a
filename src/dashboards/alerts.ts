/**
 * The conditions an operator must hear about, defined once: `alert-files.ts` writes them as a
 * Prometheus rule file and as Grafana-managed alert rules (docs/dashboards.md, Alerts). Each is
 * "a value compared with a threshold", the shape both systems share: Prometheus evaluates
 * `query op threshold`, Grafana runs `query` and a threshold expression on it.
 */
import { shippedRules } from './limits.ts';
import type { PanelKey } from './platform-panels.ts';

/** The Prometheus job that scrapes the platform (docs/metrics.md). */
export const SCRAPE_JOB = 'facility-monitor';

export interface AlertDefinition {
  /** Prometheus's `alert` and Grafana's title. */
  name: string;
  /** Grafana's rule uid (at most 40 characters, stable: silences and history hang on it). */
  uid: string;
  /** `critical`: someone acts now; `warning`: within the working day. A label, for routing. */
  severity: 'critical' | 'warning';
  /** PromQL (Prometheus and Grafana) or SQL over the records database (Grafana only). */
  query: { promql: string } | { sql: string };
  op: '>' | '<';
  threshold: number;
  /** How long the condition must hold before the alert fires. */
  for: string;
  /** What Grafana does when the query answers nothing: only absence that means trouble alerts. */
  noData: 'OK' | 'Alerting';
  /** The platform dashboard's panel that shows it (platform.ts). */
  panel?: PanelKey;
  summary: [zh: string, en: string];
  description: [zh: string, en: string];
}

/** Readings ingest could not keep (spool full, refused by InfluxDB), counted in this window. */
const LOST_WINDOW = '10m';
/** The front desk's first deadline is one minute to record; rules should take a fraction of it. */
export const RULES_LAG_S = 30;
/** Broker refusals a second, sustained, that no misconfigured device explains. */
export const REFUSALS_PER_S = 1;
/** Event-loop lag that slows everything in the process: keepalives, API answers, rule timers. */
export const EVENT_LOOP_LAG_S = 0.5;
/** Share of an estate's devices down before it is the estate, not the devices. */
export const SITE_OFFLINE_SHARE = 0.5;

/**
 * Per estate, the share of its devices in service that are down: an open device record for a
 * storm fault (offline, heartbeat_lost, power_loss by default) not recovered, or a member of an
 * open site incident (a storm's devices get no record of their own: docs/rules.md, Storms).
 */
export function siteOfflineSql(): string {
  const codes = shippedRules().storm?.codes ?? ['offline', 'heartbeat_lost', 'power_loss'];
  return `WITH down AS (
  SELECT device_id AS id FROM service_records
  WHERE source = 'device' AND fault_code IN (${codes.map((c) => `'${c}'`).join(', ')})
    AND state NOT IN ('closed', 'cancelled') AND recovered_at IS NULL
  UNION
  SELECT jsonb_array_elements_text(devices) FROM site_incidents WHERE ended_at IS NULL
)
SELECT d.site_id AS site, round(count(down.id)::numeric / count(*), 3)::float8 AS offline_share
FROM devices d LEFT JOIN down ON down.id = d.id
WHERE d.revoked_at IS NULL
GROUP BY d.site_id ORDER BY d.site_id`;
}

export function alertDefinitions(): AlertDefinition[] {
  return [
    {
      name: 'FacilityPlatformDown',
      uid: 'fm-platform-down',
      severity: 'critical',
      query: { promql: `up{job="${SCRAPE_JOB}"}` },
      op: '<',
      threshold: 1,
      for: '2m',
      noData: 'Alerting',
      panel: 'services',
      summary: ['平台无法抓取', 'The platform cannot be scraped'],
      description: [
        'Prometheus 抓不到 {{ $labels.instance }} 的 /metrics：进程已停止、网络不通，或抓取令牌被吊销。',
        "Prometheus cannot scrape {{ $labels.instance }}'s /metrics: the process is down or unreachable, or its scrape token was revoked.",
      ],
    },
    {
      name: 'FacilityServiceDown',
      uid: 'fm-service-down',
      severity: 'critical',
      query: { promql: 'min by (instance, service) (fm_service_up)' },
      op: '<',
      threshold: 1,
      for: '2m',
      noData: 'Alerting',
      panel: 'services',
      summary: ['{{ $labels.service }} 服务停止', 'The {{ $labels.service }} service is down'],
      description: [
        '{{ $labels.instance }} 上的 {{ $labels.service }} 在 /health 上报告停止（代理不接受设备、接入服务失去代理会话，或规则服务未运行）。GET /health 说明原因。',
        '{{ $labels.service }} on {{ $labels.instance }} reports down on /health (the broker not accepting devices, ingest without its broker session, or rules not running). GET /health says why.',
      ],
    },
    {
      name: 'FacilityIngestSpooling',
      uid: 'fm-ingest-spooling',
      severity: 'warning',
      query: { promql: 'max by (instance) (fm_ingest_buffered_lines{where="spool"})' },
      op: '>',
      threshold: 0,
      for: '5m',
      noData: 'OK',
      panel: 'spool',
      summary: [
        '读数正写入磁盘缓存：InfluxDB 不可用',
        'Readings are spooling to disk: InfluxDB is unavailable',
      ],
      description: [
        '{{ $labels.instance }} 的接入服务已把读数写入磁盘缓存超过 5 分钟：InfluxDB 停止或拒绝写入。缓存有空间时不丢数据；请检查 InfluxDB。',
        'Ingest on {{ $labels.instance }} has kept readings in its disk spool for 5 minutes: InfluxDB is down or refusing writes. Nothing is lost while the spool has room; look at InfluxDB.',
      ],
    },
    {
      name: 'FacilityReadingsLost',
      uid: 'fm-readings-lost',
      severity: 'critical',
      query: {
        promql: `sum by (instance, reason) (increase(fm_ingest_lines_dropped_total[${LOST_WINDOW}]))`,
      },
      op: '>',
      threshold: 0,
      for: '0m',
      noData: 'OK',
      panel: 'lines',
      summary: ['读数丢失（{{ $labels.reason }}）', 'Readings lost ({{ $labels.reason }})'],
      description: [
        `{{ $labels.instance }} 的接入服务在最近 ${LOST_WINDOW} 内丢弃了读数（{{ $labels.reason }}），无法找回。每条都以 error 级别记入日志。`,
        `Ingest on {{ $labels.instance }} dropped readings in the last ${LOST_WINDOW} ({{ $labels.reason }}); they are gone. Each is logged at error level.`,
      ],
    },
    {
      name: 'FacilityRulesLagging',
      uid: 'fm-rules-lagging',
      severity: 'warning',
      query: {
        promql:
          'histogram_quantile(0.95, sum by (instance, le) (rate(fm_rules_record_latency_seconds_bucket[10m])))',
      },
      op: '>',
      threshold: RULES_LAG_S,
      for: '5m',
      noData: 'OK',
      panel: 'recordLatency',
      summary: [
        `规则跟不上：故障到记录超过 ${RULES_LAG_S} 秒`,
        `Rules are not keeping up: fault to record over ${RULES_LAG_S} s`,
      ],
      description: [
        `{{ $labels.instance }} 上 5% 以上的设备故障从规则判定到写入服务记录超过 ${RULES_LAG_S} 秒；服务中心第一个时限是 1 分钟内录入。记录库慢或过载。`,
        `On {{ $labels.instance }} more than 5% of device faults took over ${RULES_LAG_S} s from rules deciding to the record being written; the front desk's first deadline is one minute to record. The records database is slow or overloaded.`,
      ],
    },
    {
      name: 'FacilityRulesActionsStuck',
      uid: 'fm-rules-actions-stuck',
      severity: 'critical',
      query: { promql: 'max by (instance) (fm_rules_pending_actions)' },
      op: '>',
      threshold: 0,
      for: '10m',
      noData: 'OK',
      panel: 'pending',
      summary: [
        '规则的动作积压：故障到不了服务中心',
        'Rules actions are stuck: faults do not reach the desk',
      ],
      description: [
        '{{ $labels.instance }} 上规则已判定的记录和警报 10 分钟未能写入：记录库停止或拒绝写入。规则会重试，其间服务中心收不到设备故障。',
        'Records and alerts rules decided on {{ $labels.instance }} have waited 10 minutes to be written: the records database is down or refusing them. Rules retries; meanwhile no device fault reaches the front desk.',
      ],
    },
    {
      name: 'FacilitySiteStorm',
      uid: 'fm-site-storm',
      severity: 'warning',
      query: { promql: 'sum by (instance) (increase(fm_rules_events_total{event="incidents"}[15m]))' },
      op: '>',
      threshold: 0,
      for: '0m',
      noData: 'OK',
      panel: 'rulesEvents',
      summary: ['小区事件：大量设备同时离线', 'Site incident: many devices of an estate went down together'],
      description: [
        '最近 15 分钟规则开了小区事件：同一小区大量设备同时离线（停电或断网）。事件记录列出了这些设备。',
        'Rules opened a site incident in the last 15 minutes: many devices of one estate went down together (power cut or network). The incident record names them.',
      ],
    },
    {
      name: 'FacilitySiteMostlyOffline',
      uid: 'fm-site-mostly-offline',
      severity: 'critical',
      query: { sql: siteOfflineSql() },
      op: '>',
      threshold: SITE_OFFLINE_SHARE,
      for: '5m',
      noData: 'OK',
      summary: ['{{ $labels.site }} 大部分设备离线', 'Most devices of {{ $labels.site }} are offline'],
      description: [
        `{{ $labels.site }} 超过 ${SITE_OFFLINE_SHARE * 100}% 的在用设备离线或失去心跳：小区网络、供电或网关出了问题，而不是单台设备。`,
        `More than ${SITE_OFFLINE_SHARE * 100}% of {{ $labels.site }}'s devices in service are offline or silent: the estate's network, power or gateway, not single devices.`,
      ],
    },
    {
      name: 'FacilityBrokerRefusalsSurging',
      uid: 'fm-broker-refusals',
      severity: 'warning',
      query: { promql: 'sum by (instance) (rate(fm_broker_refusals_total[5m]))' },
      op: '>',
      threshold: REFUSALS_PER_S,
      for: '5m',
      noData: 'OK',
      panel: 'refusals',
      summary: ['MQTT 代理拒绝激增', 'The MQTT broker refuses a surge of requests'],
      description: [
        `{{ $labels.instance }} 的代理每秒拒绝超过 ${REFUSALS_PER_S} 次连接、发布或订阅，已持续 5 分钟：密钥错误的设备在重试、已注销的设备，或有人在探测端口。fm_broker_refusals_total 按 reason 区分，代理日志记有客户端。`,
        `The broker on {{ $labels.instance }} has refused more than ${REFUSALS_PER_S} connection, publish or subscription a second for 5 minutes: a device retrying with a wrong secret, a revoked device, or someone probing the port. fm_broker_refusals_total by reason says which; the broker log names the client.`,
      ],
    },
    {
      name: 'FacilityEventLoopLagging',
      uid: 'fm-event-loop-lag',
      severity: 'warning',
      query: { promql: 'max by (instance) (nodejs_eventloop_lag_p99_seconds)' },
      op: '>',
      threshold: EVENT_LOOP_LAG_S,
      for: '10m',
      noData: 'OK',
      panel: 'eventLoop',
      summary: ['平台进程过载', 'The platform process is saturated'],
      description: [
        `{{ $labels.instance }} 的事件循环延迟（p99）超过 ${EVENT_LOOP_LAG_S} 秒已 10 分钟：进程内一切都变慢（MQTT 心跳、API 响应、规则计时）。考虑拆分服务或增加 CPU。`,
        `The event loop of {{ $labels.instance }} has lagged more than ${EVENT_LOOP_LAG_S} s (p99) for 10 minutes: everything in the process slows (MQTT keepalives, API answers, rule timers). Split the services out or give it more CPU.`,
      ],
    },
  ];
}
