import { type HistogramSnapshot, labelled, type MetricFamily, single } from '../metrics.ts';
import type { IngestCounters } from './counters.ts';

/** Ingest's counters as Prometheus families (docs/ingest.md, Counters). */
export function ingestMetrics(c: IngestCounters, writes: HistogramSnapshot | undefined): MetricFamily[] {
  const families: MetricFamily[] = [
    single(
      'fm_ingest_messages_received_total',
      'Messages received from the broker, valid or not.',
      'counter',
      c.readingsIn,
    ),
    labelled(
      'fm_ingest_readings_accepted_total',
      'Valid readings turned into line protocol, by measurement.',
      'counter',
      'measurement',
      c.accepted,
    ),
    labelled(
      'fm_ingest_lines_written_total',
      'Lines written to InfluxDB, straight from memory or replayed from the disk spool.',
      'counter',
      'path',
      {
        direct: c.written,
        replayed: c.replayed,
      },
    ),
    single(
      'fm_ingest_lines_spooled_total',
      'Lines written to the disk spool while InfluxDB was down or slow.',
      'counter',
      c.spooled,
    ),
    labelled(
      'fm_ingest_messages_rejected_total',
      'Messages refused, by reason.',
      'counter',
      'reason',
      c.rejected,
    ),
    labelled(
      'fm_ingest_lines_dropped_total',
      'Lines lost, by reason (each is also logged at error level).',
      'counter',
      'reason',
      c.dropped,
    ),
    single(
      'fm_ingest_readings_not_stored_total',
      'Valid readings not stored because InfluxDB is not configured.',
      'counter',
      c.notStored,
    ),
    single(
      'fm_ingest_retained_skipped_total',
      'Retained messages without a device time, not stored.',
      'counter',
      c.retainedSkipped,
    ),
    labelled(
      'fm_ingest_write_errors_total',
      'Failed write requests to InfluxDB, by class.',
      'counter',
      'class',
      c.writeErrors,
    ),
    labelled(
      'fm_ingest_buffered_lines',
      'Lines waiting to be written: unacknowledged in memory, and on disk.',
      'gauge',
      'where',
      {
        memory: c.bufferDepth.memoryLines,
        spool: c.bufferDepth.spoolLines,
      },
    ),
    single('fm_ingest_spool_bytes', 'Size of the disk spool.', 'gauge', c.bufferDepth.spoolBytes),
    single(
      'fm_ingest_broker_connected',
      'Whether ingest has its session with the broker (1) or not (0).',
      'gauge',
      c.mqttConnected ? 1 : 0,
    ),
  ];
  if (c.influx !== 'unconfigured')
    families.push(
      single(
        'fm_ingest_influx_up',
        'Whether the last write to InfluxDB succeeded (1) or ingest is retrying (0).',
        'gauge',
        c.influx === 'up' ? 1 : 0,
      ),
    );
  if (writes)
    families.push({
      name: 'fm_ingest_write_duration_seconds',
      help: 'Time of successful write requests to InfluxDB.',
      type: 'histogram',
      histogram: writes,
    });
  return families;
}
