/** The platform dashboard's rows along the readings' way: the broker, ingest and rules. */
import { REFUSALS_PER_S, RULES_LAG_S } from './alerts.ts';
import type { Tr } from './common.ts';
import { alertLine, m, orZero, quantile, RATE, type Row, ratesBy, row, series } from './platform-panels.ts';

export function brokerRow(tr: Tr): Row {
  return row(101, tr('MQTT 代理', 'MQTT broker'), [
    series({
      key: 'clients',
      title: tr('已连接客户端', 'Clients connected'),
      description: tr(
        '连接在代理上的设备和服务。骤降说明网络或小区断电；反复涨落说明设备在反复重连。',
        'Devices and services connected to the broker. A sudden drop is a network or power cut; a saw-tooth is devices reconnecting again and again.',
      ),
      queries: [[`sum by (instance) (${m('fm_broker_clients')})`, '{{instance}}']],
    }),
    series({
      key: 'messages',
      title: tr('消息（每秒）', 'Messages per second'),
      description: tr(
        '代理从客户端收到的 PUBLISH，以及转发给订阅者的消息。收到的少于平常，说明有设备不再报告。',
        'PUBLISH packets received from clients, and messages forwarded to subscribers. Fewer received than usual means devices stopped reporting.',
      ),
      queries: [
        [`sum(rate(${m('fm_broker_messages_received_total')}[${RATE}]))`, tr('收到', 'received')],
        [`sum(rate(${m('fm_broker_messages_sent_total')}[${RATE}]))`, tr('转发', 'sent')],
      ],
      unit: 'reqps',
    }),
    series({
      key: 'refusals',
      title: tr('拒绝（每秒，按原因）', 'Refusals per second, by reason'),
      description: tr(
        `代理拒绝的连接、发布和订阅，按原因（docs/broker.md）。偶尔的拒绝多是配置错误的设备；每秒超过 ${REFUSALS_PER_S} 次持续 5 分钟会告警（FacilityBrokerRefusalsSurging）。`,
        `Connections, publishes and subscriptions the broker refused, by reason (docs/broker.md). A few are usually a misconfigured device; more than ${REFUSALS_PER_S} a second for 5 minutes alerts (FacilityBrokerRefusalsSurging).`,
      ),
      queries: [[orZero(ratesBy('reason', 'fm_broker_refusals_total'), 'reason'), '{{reason}}']],
      unit: 'reqps',
      thresholds: alertLine(REFUSALS_PER_S),
    }),
    series({
      key: 'drops',
      title: tr('丢弃与延缓（每秒）', 'Dropped and held back per second'),
      description: tr(
        '代理丢弃的消息（按原因），以及因设备限速或代理满载而延缓、未丢失的发布（按原因）。丢弃应为 0。',
        'Messages the broker dropped (by reason), and publishes held back without loss because of the per-device rate limit or a full broker (by cause). Drops should be 0.',
      ),
      queries: [
        [
          orZero(ratesBy('reason', 'fm_broker_drops_total'), 'reason'),
          tr('丢弃：{{reason}}', 'dropped: {{reason}}'),
        ],
        [
          ratesBy('cause', 'fm_broker_publishes_delayed_total'),
          tr('延缓：{{cause}}', 'held back: {{cause}}'),
        ],
      ],
      unit: 'reqps',
    }),
  ]);
}

export function ingestRow(tr: Tr): Row {
  return row(102, tr('读数接入', 'Ingest'), [
    series({
      key: 'accepted',
      title: tr('接收的读数（每秒，按测量）', 'Readings accepted per second, by measurement'),
      description: tr(
        '通过 MQTT 合约校验、转成 InfluxDB 行的读数，按测量（各类遥测、事件、状态）。',
        'Readings that passed the MQTT contract and became InfluxDB lines, by measurement (each kind’s telemetry, events, status).',
      ),
      queries: [[ratesBy('measurement', 'fm_ingest_readings_accepted_total'), '{{measurement}}']],
      unit: 'reqps',
    }),
    series({
      key: 'buffered',
      title: tr('等待写入的行', 'Lines waiting to be written'),
      description: tr(
        '内存中尚未确认的行，以及磁盘缓存中的行。缓存只在 InfluxDB 停止或变慢时增长，恢复后补写归零。',
        'Lines unacknowledged in memory and lines in the disk spool. The spool grows only while InfluxDB is down or slow and drains back to 0 once it answers.',
      ),
      queries: [[`sum by (where) (${m('fm_ingest_buffered_lines')})`, '{{where}}']],
    }),
    series({
      key: 'lines',
      title: tr('写入、缓存、丢失的行（每秒）', 'Lines written, spooled and lost per second'),
      description: tr(
        '直接写入和从缓存补写的行、写入磁盘缓存的行、丢失的行（按原因）。丢失应为 0：任何丢失都会告警（FacilityReadingsLost）。',
        'Lines written straight or replayed from the spool, lines spooled to disk, and lines lost (by reason). Lost should be 0: any loss alerts (FacilityReadingsLost).',
      ),
      queries: [
        [ratesBy('path', 'fm_ingest_lines_written_total'), tr('写入：{{path}}', 'written: {{path}}')],
        [`sum(rate(${m('fm_ingest_lines_spooled_total')}[${RATE}]))`, tr('写入缓存', 'spooled')],
        [
          orZero(ratesBy('reason', 'fm_ingest_lines_dropped_total'), 'reason'),
          tr('丢失：{{reason}}', 'lost: {{reason}}'),
        ],
      ],
      unit: 'reqps',
    }),
    series({
      key: 'rejects',
      title: tr('拒收的消息（每秒，按原因）', 'Messages rejected per second, by reason'),
      description: tr(
        '不符合 MQTT 合约而被拒收的消息，按原因（docs/ingest.md）。facility ingest rejects 列出最近的几条及其设备。',
        'Messages refused by the MQTT contract, by reason (docs/ingest.md). `facility ingest rejects` lists the last ones and their devices.',
      ),
      queries: [[orZero(ratesBy('reason', 'fm_ingest_messages_rejected_total'), 'reason'), '{{reason}}']],
      unit: 'reqps',
    }),
    series({
      key: 'writeLatency',
      title: tr('InfluxDB 写入耗时', 'InfluxDB write time'),
      description: tr(
        '成功写入请求的耗时，中位数和 95 分位。上升先于失败：InfluxDB 磁盘或压缩跟不上。',
        'Time of successful write requests, median and 95th percentile. It rises before writes fail: InfluxDB’s disk or compaction falling behind.',
      ),
      queries: [
        [quantile(0.5, 'fm_ingest_write_duration_seconds'), 'p50'],
        [quantile(0.95, 'fm_ingest_write_duration_seconds'), 'p95'],
      ],
      unit: 's',
    }),
    series({
      key: 'writeErrors',
      title: tr('写入失败（每秒，按类别）', 'Failed writes per second, by class'),
      description: tr(
        '写入 InfluxDB 失败的请求：retryable（会重试）、refused（数据被拒）、auth（凭据错误，需人工处理）。',
        'Failed write requests: retryable (tried again), refused (the data was refused), auth (wrong credentials: needs a person).',
      ),
      queries: [[orZero(ratesBy('class', 'fm_ingest_write_errors_total'), 'class'), '{{class}}']],
      unit: 'reqps',
    }),
  ]);
}

export function rulesRow(tr: Tr): Row {
  return row(103, tr('规则', 'Rules'), [
    series({
      key: 'recordLatency',
      title: tr('故障到记录的耗时', 'Fault to record'),
      description: tr(
        `从规则判定故障成立到服务记录写入的时间，中位数和 95 分位。95 分位超过 ${RULES_LAG_S} 秒持续 5 分钟会告警（FacilityRulesLagging）。`,
        `From rules deciding a fault is real to its service record being written, median and 95th percentile. The 95th above ${RULES_LAG_S} s for 5 minutes alerts (FacilityRulesLagging).`,
      ),
      queries: [
        [quantile(0.5, 'fm_rules_record_latency_seconds'), 'p50'],
        [quantile(0.95, 'fm_rules_record_latency_seconds'), 'p95'],
      ],
      unit: 's',
      thresholds: alertLine(RULES_LAG_S),
    }),
    series({
      key: 'queues',
      title: tr('规则的积压', 'Rules backlog'),
      description: tr(
        '已判定未写入的动作，以及已处理未向代理确认的消息。确认要等动作写入，所以两者一起增长说明记录库慢。',
        'Actions decided but not written, and messages handled but not yet acknowledged to the broker. Acknowledgements wait for the writes, so both growing together means a slow records database.',
      ),
      queries: [
        [`sum(${m('fm_rules_pending_actions')})`, tr('待写入动作', 'actions waiting')],
        [`sum(${m('fm_rules_unacked_messages')})`, tr('未确认消息', 'messages unacknowledged')],
      ],
    }),
    series({
      key: 'rulesEvents',
      title: tr('规则的动作（每分钟）', 'What rules did, per minute'),
      description: tr(
        '故障成立（raised）、恢复（recovered）、写入记录（records）、警报（alerts）、重试（retries）、小区事件（incidents）等（docs/rules.md）。',
        'Faults raised and recovered, records and alerts written, retries, site incidents and more (docs/rules.md).',
      ),
      queries: [[orZero(`60 * ${ratesBy('event', 'fm_rules_events_total')}`, 'event'), '{{event}}']],
    }),
    series({
      key: 'rulesMessages',
      title: tr('规则收到的消息（每秒）', 'Messages to rules per second'),
      description: tr(
        '规则从代理收到的消息，以及不符合合约被拒的消息。',
        'Messages rules received from the broker, and those refused by the contract.',
      ),
      queries: [
        [`sum(rate(${m('fm_rules_messages_total')}[${RATE}]))`, tr('收到', 'received')],
        [`sum(rate(${m('fm_rules_messages_rejected_total')}[${RATE}]))`, tr('拒收', 'rejected')],
      ],
      unit: 'reqps',
    }),
    series({
      key: 'rulesDevices',
      title: tr('规则监视的设备', 'Devices rules watches'),
      description: tr(
        '规则正在判断的设备数，应等于在用设备数；少了说明有小区的规则租约无人持有。',
        'Devices rules is judging; it should equal the devices in service. Fewer means some estate’s rules lease is held by nobody.',
      ),
      queries: [[`sum(${m('fm_rules_devices')})`, tr('设备', 'devices')]],
    }),
  ]);
}
