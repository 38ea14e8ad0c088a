import { labelled, type MetricFamily, single } from '../metrics.ts';
import type { BrokerCounters } from './counters.ts';

/** The broker's counters as Prometheus families (docs/broker.md, Counters). */
export function brokerMetrics(c: BrokerCounters): MetricFamily[] {
  return [
    single('fm_broker_clients', 'MQTT clients connected now.', 'gauge', c.clientsConnected),
    single('fm_broker_connects_total', 'Connections accepted (CONNACK 0).', 'counter', c.connects),
    single(
      'fm_broker_messages_received_total',
      'PUBLISH packets received from clients.',
      'counter',
      c.messagesIn,
    ),
    single('fm_broker_messages_sent_total', 'Messages forwarded to subscribers.', 'counter', c.messagesOut),
    single('fm_broker_received_bytes_total', 'Payload bytes received from clients.', 'counter', c.bytesIn),
    labelled(
      'fm_broker_publishes_delayed_total',
      'Publishes held back (nothing lost): by the per-device rate limit or because the broker had its limit of messages in delivery.',
      'counter',
      'cause',
      { 'rate-limit': c.rateDelayed, overload: c.overloadDelayed },
    ),
    labelled(
      'fm_broker_refusals_total',
      'Connections, publishes and subscriptions refused, by reason (docs/broker.md).',
      'counter',
      'reason',
      c.refusals as Record<string, number>,
    ),
    labelled(
      'fm_broker_drops_total',
      'Messages dropped, by reason.',
      'counter',
      'reason',
      c.drops as Record<string, number>,
    ),
    labelled(
      'fm_broker_sessions_ended_total',
      'Live device sessions ended because the registry revoked the device or rotated its secret.',
      'counter',
      'reason',
      c.sessionsEnded,
    ),
  ];
}
