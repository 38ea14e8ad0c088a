/**
 * Everything ingest can be told. The entry point maps the platform config onto it
 * (`ingestOptionsFromConfig`); tests build it directly. Defaults are in INGEST_DEFAULTS.
 */

/** Where readings go. Absent: readings are validated and counted but history is not kept. */
export type InfluxTarget =
  | {
      /** v2 write API (`/api/v2/write`): InfluxDB 1.8+ (DBRP), 2.x, 3.x and Cloud. */
      mode: 'v2';
      /** Base URL, e.g. `http://127.0.0.1:8086`. */
      url: string;
      /** API token (for 1.8 with auth: `user:password`). */
      token?: string;
      org: string;
      bucket: string;
      /** Database queried by the InfluxQL helper (`/query?db=`); the bucket's DBRP mapping. Default: the bucket. */
      database?: string;
    }
  | {
      /** v1 `/write` endpoint: InfluxDB 1.x before 1.8 (Debian's 1.6). */
      mode: 'v1';
      url: string;
      database: string;
      /** Retention policy; absent: the database's default. */
      retentionPolicy?: string;
      user?: string;
      password?: string;
    };

export interface IngestOptions {
  /** InfluxDB to write to; undefined keeps no history (logged once at start). */
  influx?: InfluxTarget;
  /** The platform data directory; the spool lives in `<dataDir>/ingest-spool`. */
  dataDir: string;
  /** Most lines in one write request. Default 5,000 (InfluxDB's own advice: 5,000-10,000). */
  batchSize: number;
  /**
   * How long a line may wait for more lines before its batch is sent, ms. Default 0: a batch is
   * sent as soon as the writer is free (group commit), which keeps acknowledgements prompt for
   * brokers with a small in-flight window (mosquitto's default is 20).
   */
  batchLingerMs: number;
  /** Most lines held in memory, unacknowledged, before further lines are spooled to disk. Default 20,000. */
  memoryLines: number;
  /**
   * Longest a reading stays unacknowledged in memory while InfluxDB answers slowly, ms, before the
   * memory buffer is spooled so the broker's queue keeps moving. Default 2,000.
   */
  maxAckDelayMs: number;
  /** Disk cap of the spool, bytes; beyond it new readings are dropped, counted and logged. Default 2 GiB. */
  spoolMaxBytes: number;
  /** Size at which a spool segment file is closed and a new one started, bytes. Default 16 MiB. */
  spoolSegmentBytes: number;
  /** Most lines per write while replaying the spool. Default 10,000. */
  replayBatchSize: number;
  /** First retry delay after a failed write, ms; doubles per failure. Default 250. */
  retryMinMs: number;
  /** Longest retry delay, ms. Default 15,000. */
  retryMaxMs: number;
  /** Time limit of one write request, ms. Default 10,000. */
  writeTimeoutMs: number;
  /** Rejected messages kept for operators (topic, raw bytes, reason, time). Default 200. */
  rejectsKept: number;
  /** Raw payload bytes kept per rejected message. Default 512. */
  rejectBytesKept: number;
  /** How long a device registry answer is reused, ms. Default 60,000. */
  deviceCacheMs: number;
}

export const INGEST_DEFAULTS: Omit<IngestOptions, 'influx' | 'dataDir'> = {
  batchSize: 5000,
  batchLingerMs: 0,
  memoryLines: 20_000,
  maxAckDelayMs: 2000,
  spoolMaxBytes: 2 * 1024 ** 3,
  spoolSegmentBytes: 16 * 1024 ** 2,
  replayBatchSize: 10_000,
  retryMinMs: 250,
  retryMaxMs: 15_000,
  writeTimeoutMs: 10_000,
  rejectsKept: 200,
  rejectBytesKept: 512,
  deviceCacheMs: 60_000,
};

/** Options with defaults filled in; `dataDir` is required. */
export function ingestOptions(
  partial: Partial<IngestOptions> & Pick<IngestOptions, 'dataDir'>,
): IngestOptions {
  return { ...INGEST_DEFAULTS, ...partial };
}

/** How ingest reaches the broker: any MQTT 3.1.1 broker with the service account. */
export interface IngestMqttOptions {
  /** e.g. `mqtt://127.0.0.1:1883`, `mqtts://broker:8883`. */
  url: string;
  /** Service account, `service.ingest`. */
  username: string;
  /** The service secret (FM_SERVICE_SECRET or `<dataDir>/service-secret`). */
  password: string;
  /**
   * Fixed client id: the broker keeps the persistent session (subscriptions and unacknowledged
   * QoS 1 messages) under it while ingest is away. Default `service.ingest`.
   */
  clientId?: string;
  /**
   * Shares the readings with the other sessions subscribed under this group name: each filter is
   * subscribed as `$share/<group>/<filter>` (MQTT 5 §4.8.2; mosquitto 2 and EMQX take it from
   * MQTT 3.1.1 clients too), so the broker hands each message to one member. Each member needs a
   * client id of its own. Unset: plain subscriptions, every message.
   */
  shareGroup?: string;
  /** Keepalive, seconds. Default 30. */
  keepaliveS?: number;
  /** How long startIngest waits for the first connection before failing, ms. Default 30,000. */
  connectTimeoutMs?: number;
}
