/**
 * Platform config -> IngestOptions. Typed structurally on the FM_INFLUX_* / FM_INGEST_* settings,
 * so `ingestOptionsFromConfig(config)` accepts the entry point's Config once those settings are in
 * src/config.ts (see docs/ingest.md for their meaning).
 */
import { influxSettingProblems } from '../settings.ts';
import { type IngestMqttOptions, type IngestOptions, ingestOptions } from './options.ts';

export interface IngestConfig {
  FM_DATA_DIR: string;
  FM_INFLUX_URL?: string;
  FM_INFLUX_MODE: 'v2' | 'v1';
  FM_INFLUX_TOKEN?: string;
  FM_INFLUX_ORG?: string;
  FM_INFLUX_BUCKET?: string;
  FM_INFLUX_DATABASE?: string;
  FM_INFLUX_RP?: string;
  FM_INFLUX_USER?: string;
  FM_INFLUX_PASSWORD?: string;
  FM_INGEST_BATCH_SIZE: number;
  FM_INGEST_BATCH_LINGER_MS: number;
  FM_INGEST_MEMORY_LINES: number;
  FM_INGEST_SPOOL_MAX_BYTES: number;
  FM_INGEST_RETRY_MAX_MS: number;
  FM_INGEST_REJECTS_KEPT: number;
}

/** The shared subscriptions' group of every ingest copy: `$share/ingest/<filter>`. */
export const INGEST_SHARE_GROUP = 'ingest';

/**
 * Ingest's MQTT account for copy `copy` (FM_INGEST_COPY): client id `service.ingest-<copy>` (the
 * broker, EMQX's endpoints and mosquitto's service clients allow a service's `-suffix`), so each
 * copy keeps a persistent session of its own, and subscriptions shared in INGEST_SHARE_GROUP.
 * Without a copy name, the account as given: one ingest, every message.
 */
export function ingestMqttOptions(account: IngestMqttOptions, copy: string | undefined): IngestMqttOptions {
  if (!copy) return account;
  const clientId = `${account.clientId ?? account.username}-${copy}`;
  return { ...account, clientId, shareGroup: INGEST_SHARE_GROUP };
}

/** Throws with one line per missing setting (call after loadConfig, or move the check into it). */
export function ingestOptionsFromConfig(c: IngestConfig): IngestOptions {
  const problems = influxSettingProblems(c);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const url = c.FM_INFLUX_URL;
  return ingestOptions({
    dataDir: c.FM_DATA_DIR,
    influx: !url
      ? undefined
      : c.FM_INFLUX_MODE === 'v2'
        ? {
            mode: 'v2',
            url,
            token: c.FM_INFLUX_TOKEN,
            org: c.FM_INFLUX_ORG!,
            bucket: c.FM_INFLUX_BUCKET!,
            database: c.FM_INFLUX_DATABASE,
          }
        : {
            mode: 'v1',
            url,
            database: c.FM_INFLUX_DATABASE!,
            retentionPolicy: c.FM_INFLUX_RP,
            user: c.FM_INFLUX_USER,
            password: c.FM_INFLUX_PASSWORD,
          },
    batchSize: c.FM_INGEST_BATCH_SIZE,
    batchLingerMs: c.FM_INGEST_BATCH_LINGER_MS,
    memoryLines: c.FM_INGEST_MEMORY_LINES,
    spoolMaxBytes: c.FM_INGEST_SPOOL_MAX_BYTES,
    retryMaxMs: c.FM_INGEST_RETRY_MAX_MS,
    rejectsKept: c.FM_INGEST_REJECTS_KEPT,
  });
}
