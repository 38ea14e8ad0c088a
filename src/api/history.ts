/**
 * Readings live in InfluxDB (ingest/ writes them); the API reads them with InfluxQL through an
 * injected function, so it works against 1.x, 2.x (DBRP) and 3.x alike and tests can fake it.
 *
 * Layout (docs/influxdb-schema.md, what ingest writes): one measurement per device kind (`lift`,
 * `pump`, `lighting`, `cctv`) tagged `site`, `building`, `device`, fields named as in the MQTT
 * payloads; online/offline changes in measurement `status`, field `state`.
 */
import type { Device } from '../records/index.ts';

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/** Runs one InfluxQL statement (epoch=ms) and returns its series, as InfluxDB's /query answers. */
export type InfluxQuery = (influxql: string) => Promise<InfluxSeries[]>;

export const STATUS_MEASUREMENT = 'status';
/** Tags, not readings: left out of `readings` and history points. */
export const TAGS = new Set(['site', 'building', 'device', 'kind']);
export const FIELD_NAME = /^[a-z][a-z0-9_]{0,63}$/;
export const MAX_POINTS = 10_000;

// Device ids are [A-Za-z0-9_-] and field names are checked against FIELD_NAME, so nothing here
// can break out of its quotes; quoting still goes through one function.
const ident = (name: string) => `"${name.replaceAll('"', '')}"`;
const literal = (value: string) => `'${value.replaceAll('\\', '').replaceAll("'", '')}'`;

export function historyQuery(
  device: Device,
  { from, to, fields, limit }: { from: Date; to: Date; fields?: string[]; limit: number },
): string {
  const select = fields && fields.length > 0 ? fields.map(ident).join(', ') : '*';
  return `SELECT ${select} FROM ${ident(device.kind)} WHERE "device" = ${literal(device.id)} AND time >= ${literal(
    from.toISOString(),
  )} AND time < ${literal(to.toISOString())} ORDER BY time ASC LIMIT ${limit}`;
}

export function lastReadingQuery(device: Device): string {
  return `SELECT * FROM ${ident(device.kind)} WHERE "device" = ${literal(device.id)} ORDER BY time DESC LIMIT 1`;
}

export function lastStatusQuery(device: Device): string {
  return `SELECT "state" FROM ${ident(STATUS_MEASUREMENT)} WHERE "device" = ${literal(device.id)} ORDER BY time DESC LIMIT 1`;
}

/** Series rows as objects, `time` as a Date (the query function asks for epoch milliseconds). */
export function rowsOf(series: InfluxSeries[]): Array<Record<string, unknown> & { time: Date }> {
  return series.flatMap((s) =>
    s.values.map((values) => {
      const row: Record<string, unknown> = {};
      s.columns.forEach((c, i) => {
        row[c] = values[i];
      });
      const t = row.time;
      row.time = new Date(typeof t === 'number' || typeof t === 'string' ? t : 0);
      return row as Record<string, unknown> & { time: Date };
    }),
  );
}

/** What the device routes read: InfluxDB, or the last hour ingest keeps in memory without it. */
export interface ReadingsSource {
  /** `influxdb`, or `last-hour` (ingest's memory: docs/ingest.md). */
  readonly kept: 'influxdb' | 'last-hour';
  lastStatus(device: Device): Promise<{ state: unknown; time: Date } | undefined>;
  lastReading(device: Device): Promise<(Record<string, unknown> & { time: Date }) | undefined>;
  history(
    device: Device,
    o: { from: Date; to: Date; fields?: string[]; limit: number },
  ): Promise<Array<Record<string, unknown> & { time: Date }>>;
}

export function influxReadings(influx: InfluxQuery): ReadingsSource {
  return {
    kept: 'influxdb',
    lastStatus: async (device) => {
      const row = rowsOf(await influx(lastStatusQuery(device)))[0];
      return row && { state: row.state, time: row.time };
    },
    lastReading: async (device) => rowsOf(await influx(lastReadingQuery(device)))[0],
    history: async (device, o) => rowsOf(await influx(historyQuery(device, o))),
  };
}

/** The subset of ingest's RecentReadings the API reads, by device id. */
export interface RecentReadingsLike {
  lastStatus(deviceId: string): Promise<{ state: string; time: Date } | undefined>;
  lastReading(deviceId: string): Promise<(Record<string, unknown> & { time: Date }) | undefined>;
  history(
    deviceId: string,
    o: { from: Date; to: Date; fields?: string[]; limit: number },
  ): Promise<Array<Record<string, unknown> & { time: Date }>>;
}

export function memoryReadings(recent: RecentReadingsLike): ReadingsSource {
  return {
    kept: 'last-hour',
    lastStatus: (device) => recent.lastStatus(device.id),
    lastReading: (device) => recent.lastReading(device.id),
    history: (device, o) => recent.history(device.id, o),
  };
}
