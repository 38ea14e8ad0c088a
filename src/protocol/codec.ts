import { z } from 'zod';
import { cctvEvent, cctvTelemetry } from './cctv.ts';
import { envelope, sequence } from './common.ts';
import { liftEvent, liftTelemetry } from './lift.ts';
import { lightingEvent, lightingTelemetry } from './lighting.ts';
import { pumpEvent, pumpTelemetry } from './pump.ts';
import {
  type DeviceAddress,
  type DeviceChannel,
  deviceTopic,
  type Kind,
  parseTopic,
  type TopicError,
} from './topics.ts';

/** `status` is retained: `online` when the device connects, `offline` from its last will. */
export const statusPayload = z.object({
  ts: envelope.ts,
  seq: sequence.optional(),
  state: z.enum(['online', 'offline']),
  firmware: z.string().max(64).optional(),
  /** Telemetry interval the device is configured for, seconds. */
  interval_s: z.number().int().min(1).max(86_400).optional(),
});

/** The single table of what may be published on which channel of which kind. */
export const PAYLOAD_SCHEMAS = {
  lift: { telemetry: liftTelemetry, event: liftEvent, status: statusPayload },
  pump: { telemetry: pumpTelemetry, event: pumpEvent, status: statusPayload },
  lighting: { telemetry: lightingTelemetry, event: lightingEvent, status: statusPayload },
  cctv: { telemetry: cctvTelemetry, event: cctvEvent, status: statusPayload },
} as const satisfies Record<Kind, Record<DeviceChannel, z.ZodType>>;

type Schemas = typeof PAYLOAD_SCHEMAS;
export type PayloadIn<K extends Kind, C extends DeviceChannel> = z.input<Schemas[K][C]>;
export type PayloadOut<K extends Kind, C extends DeviceChannel> = z.output<Schemas[K][C]>;
export type StatusPayload = z.output<typeof statusPayload>;

/** A message that passed the contract: where it came from and its typed payload. */
export type DecodedMessage = {
  [K in Kind]: {
    [C in DeviceChannel]: { site: string; kind: K; deviceId: string; channel: C; data: PayloadOut<K, C> };
  }[DeviceChannel];
}[Kind];

export type DecodeError =
  | TopicError
  | 'command-channel'
  | 'reply-channel'
  | 'too-large'
  | 'not-utf8'
  | 'not-json'
  | 'not-object'
  | 'invalid-fields';
export type DecodeResult =
  | { ok: true; message: DecodedMessage }
  | { ok: false; reason: DecodeError; detail: string };

/** Largest payload accepted by decode; the broker's packet limit is the same by default. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(reason: DecodeError, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

/** Validates a received message against the contract. Never throws: bad input is data. */
export function decode(topic: string, payload: Uint8Array, maxBytes = MAX_PAYLOAD_BYTES): DecodeResult {
  const parsed = parseTopic(topic);
  if (!parsed.ok) return fail(parsed.reason, `topic ${JSON.stringify(topic.slice(0, 200))}`);
  const { site, kind, deviceId, channel } = parsed.value;
  if (channel === 'command') return fail('command-channel', 'devices do not publish on command');
  // Replies to commands are not readings: the command sender reads them (decodeReply).
  if (channel === 'reply') return fail('reply-channel', 'command replies are read by decodeReply');
  if (payload.byteLength > maxBytes) return fail('too-large', `${payload.byteLength} bytes > ${maxBytes}`);
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return fail('not-utf8', 'payload is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail('not-json', (err as Error).message.slice(0, 200));
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail(
      'not-object',
      `payload is ${Array.isArray(json) ? 'an array' : typeof json}, expected a JSON object`,
    );
  }
  const result = PAYLOAD_SCHEMAS[kind][channel].safeParse(json);
  if (!result.success) return fail('invalid-fields', z.prettifyError(result.error).slice(0, 500));
  return { ok: true, message: { site, kind, deviceId, channel, data: result.data } as DecodedMessage };
}

export interface Encoded {
  topic: string;
  payload: string;
}

/**
 * The only way a payload is produced (simulators, tests, docs): validated against the contract, so
 * a producer can never drift from what ingest and rules accept. Throws on a programming error.
 */
export function encode<K extends Kind, C extends DeviceChannel>(
  address: DeviceAddress & { kind: K },
  channel: C,
  data: PayloadIn<K, C>,
): Encoded {
  PAYLOAD_SCHEMAS[address.kind][channel].parse(data);
  return { topic: deviceTopic({ ...address, channel }), payload: JSON.stringify(data) };
}

/** The last will every device should register: retained `offline` on its status topic. */
export function lastWill(address: DeviceAddress): Encoded & { qos: 1; retain: true } {
  return { ...encode(address, 'status', { state: 'offline' }), qos: 1, retain: true };
}
