import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { dirname, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { Config } from '../config.ts';
import { hideUrlPassword } from '../redact.ts';
import { listSetting } from '../settings.ts';

/**
 * What `facility start` needs beyond well-formed settings, tried the way start would use it, so
 * that `facility config` refuses what start would refuse: the records database (with its
 * password), InfluxDB, an external broker, the TLS files and the rule files.
 */
export interface Check {
  /** What is checked, for the report: `records`, `readings`, ... */
  name: string;
  /** Resolves with what was found (`PostgreSQL 15.4 at db:5432`); rejects with why it fails. */
  run: () => Promise<string>;
}

const TIMEOUT_MS = 5000;

/** The innermost reason of a network error (fetch wraps ECONNREFUSED in "fetch failed"). */
function reason(err: unknown): string {
  let e = err as { message?: string; cause?: unknown; code?: string };
  while (e?.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return e?.message || e?.code || String(err);
}

async function records(config: Config): Promise<string> {
  if (!config.DATABASE_URL) {
    // The embedded database is created on first use: its directory (or the nearest one that
    // exists) must be writable by this user.
    let dir = resolve(config.FM_DATA_DIR);
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new Error(`FM_DATA_DIR: this user may not write in ${dir}`);
    }
    return `embedded PGlite in ${config.FM_DATA_DIR}/records`;
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString: config.DATABASE_URL,
    connectionTimeoutMillis: TIMEOUT_MS,
  });
  client.on('error', () => {});
  const where = hideUrlPassword(config.DATABASE_URL);
  try {
    await client.connect();
    const [row] = (await client.query('SHOW server_version')).rows as { server_version: string }[];
    return `PostgreSQL ${row?.server_version.split(' ')[0] ?? '?'} at ${where}`;
  } catch (err) {
    throw new Error(`DATABASE_URL ${where}: ${reason(err)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

async function readings(config: Config): Promise<string> {
  const { ingestOptionsFromConfig } = await import('../ingest/from-config.ts');
  const { influxQuery } = await import('../ingest/influx.ts');
  const target = ingestOptionsFromConfig(config).influx;
  if (!target) return 'not kept (FM_INFLUX_URL unset)';
  const database = target.mode === 'v1' ? target.database : (target.database ?? target.bucket);
  try {
    // Needs the server, the credentials and the database (1.x answers a read of a missing
    // database with nothing at all; this it refuses with "database not found").
    await influxQuery(target, 'SHOW RETENTION POLICIES', { timeoutMs: TIMEOUT_MS });
  } catch (err) {
    throw new Error(`FM_INFLUX_URL ${target.url} (${target.mode}, database ${database}): ${reason(err)}`);
  }
  return `InfluxDB at ${target.url} (${target.mode}, database ${database})`;
}

async function broker(url: string): Promise<string> {
  const u = new URL(url);
  const defaults: Record<string, number> = {
    mqtt: 1883,
    tcp: 1883,
    mqtts: 8883,
    tls: 8883,
    ws: 80,
    wss: 443,
  };
  const port = Number(u.port) || defaults[u.protocol.slice(0, -1)] || 1883;
  await new Promise<void>((done, fail) => {
    const socket = tcpConnect({ host: u.hostname, port, timeout: TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      done();
    });
    socket.once('timeout', () => {
      socket.destroy();
      fail(new Error(`FM_MQTT_URL ${url}: no answer within ${TIMEOUT_MS / 1000} s`));
    });
    socket.once('error', (err) => fail(new Error(`FM_MQTT_URL ${url}: ${reason(err)}`)));
  });
  return `external broker at ${u.hostname}:${port} answers`;
}

async function tlsFiles(cert: string, key: string): Promise<string> {
  try {
    createSecureContext({ cert: readFileSync(cert), key: readFileSync(key) });
  } catch (err) {
    throw new Error(`FM_MQTT_TLS_CERT ${cert} and FM_MQTT_TLS_KEY ${key}: ${reason(err)}`);
  }
  return `certificate ${cert} with its key`;
}

async function rules(config: Config): Promise<string> {
  const { DEFAULT_RULE_FILE, loadRuleFiles } = await import('../rules/index.ts');
  const files = listSetting(config.FM_RULES_FILES);
  loadRuleFiles([DEFAULT_RULE_FILE, ...files]);
  return files.length ? `shipped rules with ${files.join(', ')}` : 'shipped rules';
}

/** The checks for this configuration; `connect: false` leaves out those that reach a server. */
export function configChecks(config: Config, { connect }: { connect: boolean }): Check[] {
  const checks: Check[] = [{ name: 'rules', run: () => rules(config) }];
  if (config.FM_MQTT_TLS_CERT && config.FM_MQTT_TLS_KEY) {
    const { FM_MQTT_TLS_CERT: cert, FM_MQTT_TLS_KEY: key } = config;
    checks.push({ name: 'tls', run: () => tlsFiles(cert, key) });
  }
  if (!connect) return checks;
  checks.push({ name: 'records', run: () => records(config) });
  checks.push({ name: 'readings', run: () => readings(config) });
  const mqttUrl = config.FM_MQTT_URL;
  if (mqttUrl) checks.push({ name: 'broker', run: () => broker(mqttUrl) });
  return checks;
}
