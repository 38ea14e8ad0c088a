/**
 * Decoded messages to InfluxDB line protocol. The field types come from protocol/'s zod schemas,
 * so an integer field is written with the `i` suffix every time and never drifts to a float
 * (InfluxDB refuses a second type for a field within a shard). docs/influxdb-schema.md lists it all.
 */
import type { z } from 'zod';
import {
  DEVICE_CHANNELS,
  type DecodedMessage,
  type DeviceChannel,
  KINDS,
  type Kind,
  PAYLOAD_SCHEMAS,
} from '../protocol/index.ts';

export type FieldType = 'integer' | 'float' | 'boolean' | 'string';

/** Payload keys that are not fields: `ts` becomes the point's time, `code` is a tag of `event`. */
const NOT_FIELDS: Record<DeviceChannel, readonly string[]> = {
  telemetry: ['ts'],
  event: ['ts', 'code'],
  status: ['ts'],
};

export const EVENT_MEASUREMENT = 'event';
export const STATUS_MEASUREMENT = 'status';

/** Telemetry goes to a measurement named after the kind; events and status to their own. */
export function measurementOf(kind: Kind, channel: DeviceChannel): string {
  if (channel === 'event') return EVENT_MEASUREMENT;
  if (channel === 'status') return STATUS_MEASUREMENT;
  return kind;
}

/** Tag keys per measurement, sorted as InfluxDB prefers. `building` only when the registry knows it. */
export function tagKeysOf(channel: DeviceChannel): readonly string[] {
  if (channel === 'event') return ['building', 'code', 'device', 'kind', 'site'];
  if (channel === 'status') return ['building', 'device', 'kind', 'site'];
  return ['building', 'device', 'site'];
}

function fieldTypeOf(schema: z.ZodType): FieldType {
  let t = schema as unknown as { def: { type: string; innerType?: unknown }; isInt?: boolean };
  while (t.def.type === 'optional' || t.def.type === 'default') t = t.def.innerType as typeof t;
  switch (t.def.type) {
    case 'number':
      return t.isInt ? 'integer' : 'float';
    case 'boolean':
      return 'boolean';
    case 'string':
    case 'enum':
      return 'string';
    default:
      throw new Error(`ingest: no line-protocol type for a zod ${t.def.type} field`);
  }
}

type FieldSpec = { name: string; type: FieldType; key: string };

function fieldsOf(kind: Kind, channel: DeviceChannel): FieldSpec[] {
  const shape = (PAYLOAD_SCHEMAS[kind][channel] as unknown as { shape: Record<string, z.ZodType> }).shape;
  return Object.entries(shape)
    .filter(([name]) => !NOT_FIELDS[channel].includes(name))
    .map(([name, schema]) => ({ name, type: fieldTypeOf(schema), key: escapeKey(name) }));
}

const FIELDS = Object.fromEntries(
  KINDS.map((k) => [k, Object.fromEntries(DEVICE_CHANNELS.map((c) => [c, fieldsOf(k, c)]))]),
) as Record<Kind, Record<DeviceChannel, FieldSpec[]>>;

/** Every measurement's fields and their one type; throws at load if two kinds disagree on a shared measurement. */
export const MEASUREMENT_FIELDS: Record<string, Record<string, FieldType>> = (() => {
  const out: Record<string, Record<string, FieldType>> = {};
  for (const kind of KINDS) {
    for (const channel of DEVICE_CHANNELS) {
      const m = measurementOf(kind, channel);
      out[m] ??= {};
      for (const f of FIELDS[kind][channel]) {
        const seen = out[m][f.name];
        if (seen && seen !== f.type) {
          throw new Error(`ingest: field ${m}.${f.name} would be both ${seen} and ${f.type}`);
        }
        out[m][f.name] = f.type;
      }
    }
  }
  return out;
})();

// Line protocol escaping: https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/
function escapeKey(s: string): string {
  return /[,= \\]/.test(s) ? s.replace(/([,= \\])/g, '\\$1') : s;
}

function escapeTag(s: string): string {
  // A trailing backslash would escape the separator that follows.
  return /[,= \\\n\r]/.test(s) ? s.replace(/[\n\r]/g, ' ').replace(/([,= \\])/g, '\\$1') : s;
}

function escapeString(s: string): string {
  // Newlines end a line even inside quotes in 1.x; a detail text loses them rather than the point.
  return /["\\\n\r]/.test(s) ? s.replace(/[\n\r]/g, ' ').replace(/(["\\])/g, '\\$1') : s;
}

function formatField(type: FieldType, value: unknown): string | undefined {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) ? `${value}i` : undefined;
    case 'float':
      // `Object.is(-0)`: String(-0) is "0" already; finite is guaranteed by zod.
      return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? (value ? 't' : 'f') : undefined;
    case 'string':
      return typeof value === 'string' ? `"${escapeString(value)}"` : undefined;
  }
}

/** Where a reading is stored: its measurement and its line. `time` is epoch ms. */
export interface Line {
  measurement: string;
  line: string;
}

/**
 * One line for a decoded message. `time` is the resolved timestamp (ms precision); `building`
 * comes from the device registry when it knows the device's building.
 */
export function toLine(message: DecodedMessage, time: number, building?: string): Line {
  const { kind, channel, site, deviceId } = message;
  const data = message.data as Record<string, unknown>;
  const measurement = measurementOf(kind, channel);
  let head = measurement;
  if (building) head += `,building=${escapeTag(building)}`;
  if (channel === 'event') head += `,code=${escapeTag(String(data.code))}`;
  head += `,device=${escapeTag(deviceId)}`;
  if (channel !== 'telemetry') head += `,kind=${kind}`;
  head += `,site=${escapeTag(site)}`;
  let fields = '';
  for (const f of FIELDS[kind][channel]) {
    const value = data[f.name];
    if (value === undefined) continue;
    const formatted = formatField(f.type, value);
    if (formatted === undefined) continue;
    fields += `${fields ? ',' : ''}${f.key}=${formatted}`;
  }
  return { measurement, line: `${head} ${fields} ${Math.trunc(time)}` };
}
