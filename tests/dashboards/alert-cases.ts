/**
 * Unit-test series for the Prometheus alert rules, per alert: what makes it fire and what must
 * not, in promtool's `test rules` terms (docs: prometheus.io, "Unit testing for rules"). Series
 * are sampled every minute; `at` is minutes from the start.
 */

export interface AlertCase {
  alert: string;
  /** promtool's expanding notation: `0+10x20` is 0, 10, ... 200. */
  series: Record<string, string>;
  /** When the alert must not be firing yet (or ever, for the quiet series). */
  quiet: number[];
  /** When it must fire, with exactly these alerts' labels (besides alertname and severity). */
  firing: { at: number; labels: Record<string, string>[] };
}

export const ALERT_CASES: AlertCase[] = [
  {
    alert: 'FacilityPlatformDown',
    series: {
      'up{job="facility-monitor", instance="a:8080"}': '1 1 0 0 0 0 0 0',
      'up{job="facility-monitor", instance="b:8080"}': '1x7',
      // Another job's target down is someone else's alert.
      'up{job="node", instance="a:9100"}': '0x7',
    },
    quiet: [1, 3],
    firing: { at: 5, labels: [{ job: 'facility-monitor', instance: 'a:8080' }] },
  },
  {
    alert: 'FacilityServiceDown',
    series: {
      'fm_service_up{instance="a:8080", service="ingest"}': '1 0 0 0 0 0',
      'fm_service_up{instance="a:8080", service="rules"}': '1x5',
      // Down for one scrape only: not long enough.
      'fm_service_up{instance="a:8080", service="broker"}': '1 0 1 1 1 1',
    },
    quiet: [0, 2],
    firing: { at: 4, labels: [{ instance: 'a:8080', service: 'ingest' }] },
  },
  {
    alert: 'FacilityIngestSpooling',
    series: {
      'fm_ingest_buffered_lines{instance="a:8080", where="spool"}': '0 0 10 20 30 40 50 60 70 80',
      'fm_ingest_buffered_lines{instance="a:8080", where="memory"}': '500x9',
      // A spool that drains every other minute is InfluxDB catching up, not down.
      'fm_ingest_buffered_lines{instance="b:8080", where="spool"}': '0 5 0 5 0 5 0 5 0 5',
    },
    quiet: [1, 5],
    firing: { at: 8, labels: [{ instance: 'a:8080' }] },
  },
  {
    alert: 'FacilityReadingsLost',
    series: {
      'fm_ingest_lines_dropped_total{instance="a:8080", reason="spool-full"}': '0 0 0 5 5 5x20',
      'fm_ingest_lines_written_total{instance="a:8080", path="direct"}': '0+100x25',
    },
    quiet: [2, 20],
    firing: { at: 4, labels: [{ instance: 'a:8080', reason: 'spool-full' }] },
  },
  {
    alert: 'FacilityRulesLagging',
    series: {
      // a: every record takes 30-60 s; b: every record within a second.
      'fm_rules_record_latency_seconds_bucket{instance="a:8080", le="1"}': '0x20',
      'fm_rules_record_latency_seconds_bucket{instance="a:8080", le="30"}': '0x20',
      'fm_rules_record_latency_seconds_bucket{instance="a:8080", le="60"}': '0+10x20',
      'fm_rules_record_latency_seconds_bucket{instance="a:8080", le="+Inf"}': '0+10x20',
      'fm_rules_record_latency_seconds_bucket{instance="b:8080", le="1"}': '0+10x20',
      'fm_rules_record_latency_seconds_bucket{instance="b:8080", le="30"}': '0+10x20',
      'fm_rules_record_latency_seconds_bucket{instance="b:8080", le="60"}': '0+10x20',
      'fm_rules_record_latency_seconds_bucket{instance="b:8080", le="+Inf"}': '0+10x20',
    },
    quiet: [3],
    firing: { at: 8, labels: [{ instance: 'a:8080' }] },
  },
  {
    alert: 'FacilityRulesActionsStuck',
    series: {
      'fm_rules_pending_actions{instance="a:8080"}': '0 3 5 8 8 8 8 8 8 8 8 8 8 8',
      // Busy but keeping up: back to 0 between batches.
      'fm_rules_pending_actions{instance="b:8080"}': '0 2 0 1 0 3 0 2 0 1 0 3 0 2',
    },
    quiet: [5, 10],
    firing: { at: 12, labels: [{ instance: 'a:8080' }] },
  },
  {
    alert: 'FacilitySiteStorm',
    series: {
      'fm_rules_events_total{instance="a:8080", event="incidents"}': '0 0 1 1x30',
      'fm_rules_events_total{instance="a:8080", event="raised"}': '0+5x33',
    },
    quiet: [1, 25],
    firing: { at: 3, labels: [{ instance: 'a:8080' }] },
  },
  {
    alert: 'FacilityBrokerRefusalsSurging',
    series: {
      // a: 1.2 a second over two reasons; b: 0.5 a second, a device that keeps trying.
      'fm_broker_refusals_total{instance="a:8080", reason="bad-secret"}': '0+36x20',
      'fm_broker_refusals_total{instance="a:8080", reason="unknown-device"}': '0+36x20',
      'fm_broker_refusals_total{instance="b:8080", reason="bad-secret"}': '0+30x20',
    },
    quiet: [4],
    firing: { at: 12, labels: [{ instance: 'a:8080' }] },
  },
  {
    alert: 'FacilityEventLoopLagging',
    series: {
      'nodejs_eventloop_lag_p99_seconds{instance="a:8080"}': '0.9x20',
      'nodejs_eventloop_lag_p99_seconds{instance="b:8080"}': '0.1x20',
    },
    quiet: [5],
    firing: { at: 12, labels: [{ instance: 'a:8080' }] },
  },
];
