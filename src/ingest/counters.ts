/**
 * What ingest counts, for the API's metrics endpoint and the CLI. Plain numbers: a snapshot is a
 * deep copy, so a caller can diff two of them.
 */
import { Histogram } from '../metrics.ts';

export type DropReason =
  /** The spool reached its disk cap (FM_INGEST_SPOOL_MAX_BYTES). */
  | 'disk-cap'
  /** InfluxDB refused the line itself (400: parse error, field type conflict); retrying cannot fix it. */
  | 'refused-line'
  /** A spool record failed its checksum (disk corruption); its lines cannot be read back. */
  | 'spool-corrupt';

export interface IngestCounters {
  /** Messages received from the broker, valid or not. */
  readingsIn: number;
  /** Valid readings turned into lines, per measurement. */
  accepted: Record<string, number>;
  /** Lines written to InfluxDB straight from memory. */
  written: number;
  /** Lines written to the disk spool (InfluxDB down or slow). */
  spooled: number;
  /** Lines written to InfluxDB from the spool. */
  replayed: number;
  /** Messages refused, by reason (decode reasons, `unknown-device`, `topic-mismatch`, `internal-error`). */
  rejected: Record<string, number>;
  /** Lines lost, by reason; each loss is also logged at error level. */
  dropped: Record<DropReason, number>;
  /** Valid readings not stored because InfluxDB is not configured. */
  notStored: number;
  /** Retained messages replayed by the broker on subscribe without a device time: old state, not stored. */
  retainedSkipped: number;
  /** Failed write requests, by class. */
  writeErrors: { retryable: number; refused: number; auth: number };
  /** Write request latency over the last 1,024 successful writes, ms. */
  writeLatencyMs: { count: number; last: number; p50: number; p99: number; max: number };
  /** Lines waiting: unacknowledged in memory, and on disk. */
  bufferDepth: { memoryLines: number; spoolLines: number; spoolBytes: number };
  /** `unconfigured`, `up` (last write succeeded) or `down` (retrying). */
  influx: 'unconfigured' | 'up' | 'down';
  /** Whether the MQTT session is connected. */
  mqttConnected: boolean;
}

export function emptyCounters(): IngestCounters {
  return {
    readingsIn: 0,
    accepted: {},
    written: 0,
    spooled: 0,
    replayed: 0,
    rejected: {},
    dropped: { 'disk-cap': 0, 'refused-line': 0, 'spool-corrupt': 0 },
    notStored: 0,
    retainedSkipped: 0,
    writeErrors: { retryable: 0, refused: 0, auth: 0 },
    writeLatencyMs: { count: 0, last: 0, p50: 0, p99: 0, max: 0 },
    bufferDepth: { memoryLines: 0, spoolLines: 0, spoolBytes: 0 },
    influx: 'unconfigured',
    mqttConnected: false,
  };
}

/** Keeps the last 1,024 write latencies; percentiles are computed when asked, not per write. */
export class LatencyWindow {
  /** Every write since start, for /metrics (seconds). */
  readonly histogram = new Histogram([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  readonly #samples = new Float64Array(1024);
  #count = 0;
  #last = 0;
  #max = 0;

  record(ms: number): void {
    this.histogram.observe(ms / 1000);
    this.#samples[this.#count % this.#samples.length] = ms;
    this.#count++;
    this.#last = ms;
    if (ms > this.#max) this.#max = ms;
  }

  snapshot(): IngestCounters['writeLatencyMs'] {
    const n = Math.min(this.#count, this.#samples.length);
    if (n === 0) return { count: 0, last: 0, p50: 0, p99: 0, max: 0 };
    const sorted = this.#samples.slice(0, n).sort();
    const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))] ?? 0;
    return { count: this.#count, last: this.#last, p50: at(0.5), p99: at(0.99), max: this.#max };
  }
}
