import { type HistogramSnapshot, labelled, type MetricFamily, single } from '../metrics.ts';

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/**
 * Rules' counters as Prometheus families. What the engine and the actions count (raised,
 * recovered, records, alerts, suppressed in maintenance...) is one family labelled by event.
 */
export function rulesMetrics(
  counted: Readonly<Record<string, number>>,
  now: { devices: number; pending: number; unacked: number; recordLatency: HistogramSnapshot },
): MetricFamily[] {
  const { messages = 0, rejected = 0, ...events } = counted;
  return [
    single('fm_rules_messages_total', 'Messages received from the broker.', 'counter', messages),
    single('fm_rules_messages_rejected_total', 'Messages refused by the MQTT contract.', 'counter', rejected),
    labelled(
      'fm_rules_events_total',
      'What rules did, by event (raised, recovered, records, alerts, retries, ...; docs/rules.md).',
      'counter',
      'event',
      Object.fromEntries(Object.entries(events).map(([k, v]) => [snake(k), v])),
    ),
    single('fm_rules_devices', 'Devices rules watches.', 'gauge', now.devices),
    single(
      'fm_rules_pending_actions',
      'Records, alerts and recoveries decided but not yet written (grows while the records database is down).',
      'gauge',
      now.pending,
    ),
    single(
      'fm_rules_unacked_messages',
      'Messages handled but not yet acknowledged to the broker.',
      'gauge',
      now.unacked,
    ),
    {
      name: 'fm_rules_record_latency_seconds',
      help: 'Time from rules deciding a fault is real to its record being written.',
      type: 'histogram',
      histogram: now.recordLatency,
    },
  ];
}
