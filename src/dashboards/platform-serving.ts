/** The platform dashboard's rows of what it serves and runs on: the desk's queue, the API, the process. */
import { EVENT_LOOP_LAG_S } from './alerts.ts';
import type { Tr } from './common.ts';
import { alertLine, m, orZero, quantile, RATE, type Row, ratesBy, row, series } from './platform-panels.ts';

/**
 * Counts from the records database: every API process reports the same database, so `max`
 * across processes, never `sum`.
 */
export function deskRow(tr: Tr): Row {
  return row(104, tr('服务中心', 'Service desk'), [
    series({
      key: 'breaches',
      title: tr('超时（最近 1 小时，按环节）', 'Deadlines missed in the last hour, by step'),
      description: tr(
        '所有小区最近一小时错过的时限，按环节。按小区和记录的明细见“服务中心”面板。',
        'Deadlines missed in the last hour across every estate, by step. The Service desk dashboard has them per estate and record.',
      ),
      queries: [[orZero(`max by (step) (increase(${m('fm_sla_breaches_total')}[1h]))`, 'step'), '{{step}}']],
      span: 6,
    }),
    series({
      key: 'openRecords',
      title: tr('未关闭记录（按状态）', 'Open records by state'),
      description: tr(
        '所有小区尚未关闭或取消的服务记录，按流程环节分列。',
        'Service records not closed or cancelled across every estate, by step of the procedure.',
      ),
      queries: [[`max by (state) (${m('fm_service_records', 'state!~"closed|cancelled"')})`, '{{state}}']],
      span: 6,
    }),
    series({
      key: 'openAlerts',
      title: tr('未处置巡逻警报（按状态）', 'Open patrol alerts by state'),
      description: tr(
        '所有小区已发出、已确认或保安已到场的巡逻警报。',
        'Patrol alerts raised, acknowledged or with a guard on scene, across every estate.',
      ),
      queries: [
        [
          orZero(
            `max by (state) (${m('fm_patrol_alerts', 'state=~"raised|acknowledged|on_scene"')})`,
            'state',
          ),
          '{{state}}',
        ],
      ],
      span: 6,
    }),
    series({
      key: 'streams',
      title: tr('实时推送连接', 'Live stream connections'),
      description: tr(
        '打开的 /stream 连接：正在看实时队列的前台和手机。',
        'Open /stream connections: front desks and phones watching the live queue.',
      ),
      queries: [[`sum(${m('fm_stream_clients')})`, tr('连接', 'connections')]],
      span: 6,
    }),
  ]);
}

export function apiRow(tr: Tr): Row {
  return row(105, tr('API 接口', 'API'), [
    series({
      key: 'requests',
      title: tr('API 请求（每秒，按状态码）', 'API requests per second, by status'),
      description: tr(
        'API 应答的请求，按 HTTP 状态码。401/403 增多是令牌过期或权限不对；5xx 见右侧。',
        'Requests the API answered, by HTTP status. More 401/403 means expired tokens or wrong roles; 5xx on the right.',
      ),
      queries: [[ratesBy('status_code', 'fm_http_request_duration_seconds_count'), '{{status_code}}']],
      unit: 'reqps',
    }),
    series({
      key: 'apiLatency',
      title: tr('API 应答耗时（95 分位，按路由）', 'API answer time, 95th percentile by route'),
      description: tr(
        '各路由应答耗时的 95 分位（/stream 是长连接，不计）。慢的路由多半在等记录库。',
        'The 95th percentile of answer time per route (/stream is a long-lived connection and left out). A slow route is usually waiting for the records database.',
      ),
      queries: [
        [quantile(0.95, 'fm_http_request_duration_seconds', 'route!="/stream"', 'route'), '{{route}}'],
      ],
      unit: 's',
    }),
    series({
      key: 'serverErrors',
      title: tr('服务器错误（每秒）', 'Server errors per second'),
      description: tr(
        '以 5xx 应答的请求。503 可能是预期的（例如未配置 InfluxDB 时查询历史）；其余说明平台出了问题，日志有详情。',
        'Requests answered with a 5xx. A 503 can be expected (history asked for without InfluxDB); the others mean something is wrong, and the log has the detail.',
      ),
      queries: [
        [
          orZero(
            ratesBy('status_code', 'fm_http_request_duration_seconds_count', 'status_code=~"5.."'),
            'status_code',
          ),
          '{{status_code}}',
        ],
      ],
      unit: 'reqps',
    }),
  ]);
}

export function processRow(tr: Tr): Row {
  return row(106, tr('进程', 'Process'), [
    series({
      key: 'cpu',
      title: tr('处理器', 'CPU'),
      description: tr(
        '进程使用的 CPU，100% 为一个核。Node.js 的 JavaScript 只用一个核，接近 100% 即已饱和。',
        'CPU the process uses; 100% is one core. Node.js runs JavaScript on one core, so near 100% is saturated.',
      ),
      queries: [[`rate(${m('process_cpu_seconds_total')}[${RATE}])`, '{{instance}}']],
      unit: 'percentunit',
      span: 6,
    }),
    series({
      key: 'memory',
      title: tr('内存', 'Memory'),
      description: tr(
        '进程的常驻内存和已用 JavaScript 堆。堆只涨不落是内存泄漏。',
        'Resident memory of the process and the JavaScript heap in use. A heap that only grows is a leak.',
      ),
      queries: [
        [m('process_resident_memory_bytes'), tr('常驻 {{instance}}', 'resident {{instance}}')],
        [m('nodejs_heap_size_used_bytes'), tr('堆 {{instance}}', 'heap {{instance}}')],
      ],
      unit: 'bytes',
      span: 6,
    }),
    series({
      key: 'eventLoop',
      title: tr('事件循环延迟', 'Event loop lag'),
      description: tr(
        `JavaScript 等待运行的时间（p99 与平均）。超过 ${EVENT_LOOP_LAG_S} 秒持续 10 分钟会告警（FacilityEventLoopLagging）：进程内一切都变慢。`,
        `How long JavaScript waits to run (p99 and mean). Above ${EVENT_LOOP_LAG_S} s for 10 minutes alerts (FacilityEventLoopLagging): everything in the process slows.`,
      ),
      queries: [
        [m('nodejs_eventloop_lag_p99_seconds'), 'p99 {{instance}}'],
        [m('nodejs_eventloop_lag_mean_seconds'), tr('平均 {{instance}}', 'mean {{instance}}')],
      ],
      unit: 's',
      thresholds: alertLine(EVENT_LOOP_LAG_S),
      span: 6,
    }),
    series({
      key: 'gc',
      title: tr('垃圾回收耗时', 'Garbage collection'),
      description: tr(
        '进程用于垃圾回收的时间占比。持续较高说明内存紧张。',
        'Share of time the process spends collecting garbage. Staying high means memory is tight.',
      ),
      queries: [
        [`sum by (instance) (rate(${m('nodejs_gc_duration_seconds_sum')}[${RATE}]))`, '{{instance}}'],
      ],
      unit: 'percentunit',
      span: 6,
    }),
  ]);
}
