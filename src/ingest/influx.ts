/**
 * Transport to InfluxDB: one `LineWriter` per write API (v2 through @influxdata/influxdb-client's
 * write API, v1 `/write` over fetch), both classifying failures the same way so batching, retry and
 * spooling are one code path. Plus the InfluxQL helper over `/query` for history endpoints.
 */
import { HttpError, InfluxDB } from '@influxdata/influxdb-client';
import type { InfluxTarget } from './options.ts';

/**
 * `retryable`: network, timeout, 429, 5xx. `refused`: 400, the lines themselves are wrong.
 * `auth`: 401/403/404, credentials or database/bucket wrong: an operator must act.
 * `too-large`: 413, split and send again.
 */
export type FailureClass = 'retryable' | 'refused' | 'auth' | 'too-large';

export class WriteError extends Error {
  constructor(
    readonly failure: FailureClass,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface LineWriter {
  /** Sends one batch; resolves when InfluxDB accepted it, rejects with WriteError. */
  write(lines: readonly string[]): Promise<void>;
  /** `v1 http://host:8086 db=fm` etc., for logs; never carries a secret. */
  readonly describe: string;
}

function classify(status: number): FailureClass {
  if (status === 400) return 'refused';
  if (status === 413) return 'too-large';
  if (status === 401 || status === 403 || status === 404) return 'auth';
  return 'retryable';
}

function toWriteError(err: unknown): WriteError {
  if (err instanceof WriteError) return err;
  if (err instanceof HttpError) {
    const retryAfter = err.retryAfter();
    const body = (err.body ?? err.message).slice(0, 300);
    return new WriteError(
      classify(err.statusCode),
      `HTTP ${err.statusCode}: ${body}`,
      err.statusCode,
      retryAfter > 0 ? retryAfter : undefined,
    );
  }
  return new WriteError('retryable', (err as Error)?.message ?? String(err));
}

function v2Writer(
  target: Extract<InfluxTarget, { mode: 'v2' }>,
  timeoutMs: number,
  maxLines: number,
): LineWriter {
  const influx = new InfluxDB({ url: target.url, token: target.token, timeout: timeoutMs });
  // Our own batching/retry/spool decide; the client's buffers and retries are turned off, and
  // writeFailed turns its logging into a rejected flush().
  const api = influx.getWriteApi(target.org, target.bucket, 'ms', {
    // Above any batch we send (the client preallocates an array of this size).
    batchSize: maxLines + 1,
    maxBatchBytes: Number.MAX_SAFE_INTEGER,
    flushInterval: 0,
    maxRetries: 0,
    maxBufferLines: 0,
    writeFailed: (error) => Promise.reject(toWriteError(error)),
  });
  return {
    describe: `v2 ${target.url} org=${target.org} bucket=${target.bucket}`,
    async write(lines) {
      api.writeRecords(lines as string[]);
      try {
        await api.flush();
      } catch (err) {
        throw toWriteError(err);
      }
    },
  };
}

function basicAuth(user: string | undefined, password: string | undefined): Record<string, string> {
  if (!user) return {};
  return { authorization: `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}` };
}

function v1Writer(target: Extract<InfluxTarget, { mode: 'v1' }>, timeoutMs: number): LineWriter {
  const query = new URLSearchParams({ db: target.database, precision: 'ms' });
  if (target.retentionPolicy) query.set('rp', target.retentionPolicy);
  const url = `${target.url.replace(/\/+$/, '')}/write?${query}`;
  const headers = { 'content-type': 'text/plain; charset=utf-8', ...basicAuth(target.user, target.password) };
  return {
    describe: `v1 ${target.url} db=${target.database}${target.retentionPolicy ? ` rp=${target.retentionPolicy}` : ''}`,
    async write(lines) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers,
          body: lines.join('\n'),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw toWriteError(err);
      }
      if (res.status === 204 || res.status === 200) {
        await res.body?.cancel();
        return;
      }
      const body = (await res.text().catch(() => '')).slice(0, 300);
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new WriteError(
        classify(res.status),
        `HTTP ${res.status}: ${body}`,
        res.status,
        retryAfter > 0 ? retryAfter * 1000 : undefined,
      );
    },
  };
}

/** `maxLines`: the largest batch that will be written (batch size, replay batch size). */
export function createLineWriter(target: InfluxTarget, timeoutMs: number, maxLines: number): LineWriter {
  return target.mode === 'v2' ? v2Writer(target, timeoutMs, maxLines) : v1Writer(target, timeoutMs);
}

/** One InfluxQL series as `/query` answers it. */
export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export class InfluxQueryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface QueryOptions {
  /** Database to query; default the target's database (v1) or database/bucket (v2). */
  database?: string;
  /** POST is needed for statements that change things (CREATE DATABASE) on 1.x. */
  method?: 'GET' | 'POST';
  timeoutMs?: number;
}

/**
 * Runs InfluxQL over `/query` (1.x, 2.x with DBRP, 3.x) and returns the series of the first
 * statement, times as epoch ms. Build statements with quoteIdent/quoteString; never splice input.
 */
export async function influxQuery(
  target: InfluxTarget,
  q: string,
  options: QueryOptions = {},
): Promise<InfluxSeries[]> {
  const db =
    options.database ?? (target.mode === 'v1' ? target.database : (target.database ?? target.bucket));
  const params = new URLSearchParams({ q, db, epoch: 'ms' });
  if (target.mode === 'v1' && target.retentionPolicy) params.set('rp', target.retentionPolicy);
  const headers: Record<string, string> =
    target.mode === 'v2'
      ? target.token
        ? { authorization: `Token ${target.token}` }
        : {}
      : basicAuth(target.user, target.password);
  const base = `${target.url.replace(/\/+$/, '')}/query`;
  const method = options.method ?? 'GET';
  const res = await fetch(method === 'GET' ? `${base}?${params}` : base, {
    method,
    headers:
      method === 'POST' ? { ...headers, 'content-type': 'application/x-www-form-urlencoded' } : headers,
    body: method === 'POST' ? params.toString() : undefined,
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new InfluxQueryError(`HTTP ${res.status}: ${text.slice(0, 300)}`, res.status);
  const json = JSON.parse(text) as {
    results?: { error?: string; series?: InfluxSeries[] }[];
    error?: string;
  };
  const first = json.results?.[0];
  const error = json.error ?? first?.error;
  if (error) throw new InfluxQueryError(error);
  return first?.series ?? [];
}

/** Rows of all series as objects, each with the series' tags merged in. */
export function seriesRows(series: InfluxSeries[]): Record<string, unknown>[] {
  return series.flatMap((s) =>
    s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })),
  );
}

/** `"name"` with `"` and `\` escaped, for measurement, tag and field names. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/(["\\])/g, '\\$1')}"`;
}

/** `'text'` with `'` and `\` escaped, for tag values in WHERE clauses. */
export function quoteString(value: string): string {
  return `'${value.replace(/(['\\])/g, '\\$1')}'`;
}
