/**
 * Commands from the platform to a device, and the device's reply: the two directions of the
 * contract's `command` channel (docs/mqtt-contract.md, "Commands"). The platform publishes a
 * command at QoS 1 on `.../command`; the device answers once per command id on `.../reply`.
 * The id is the idempotency key: a device that receives the same id twice (a QoS 1 redelivery,
 * or the platform publishing again after a restart) answers again without acting twice.
 */
import { z } from 'zod';
import { sequence, timestamp } from './common.ts';
import {
  type DeviceAddress,
  deviceTopic,
  type Kind,
  parseTopic,
  REPLY_CHANNEL,
  type TopicError,
} from './topics.ts';

/**
 * `reset`: re-close a lighting circuit's tripped breaker or contactor (a motorised recloser, as
 * lighting controllers per JGJ 16-2008 practice carry); refused by the device when nothing tripped.
 * `report-now`: publish a telemetry reading at once instead of waiting for the interval.
 */
export const COMMAND_NAMES = ['reset', 'report-now'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** What each kind accepts; anything else is refused before it is queued. */
export const KIND_COMMANDS: Record<Kind, readonly CommandName[]> = {
  lift: ['report-now'],
  pump: ['report-now'],
  lighting: ['reset', 'report-now'],
  cctv: ['report-now'],
};

export function commandsOf(kind: Kind): readonly CommandName[] {
  return KIND_COMMANDS[kind];
}

/** A command id: the platform uses UUIDs; a device echoes it verbatim. */
export const commandId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** What the platform publishes on `.../command`. */
export const commandPayload = z.object({
  id: commandId,
  command: z.enum(COMMAND_NAMES),
  /** When the command was issued, epoch ms (platform time). */
  ts: z.number().int().nonnegative(),
  /** After this (epoch ms, platform time) the platform no longer waits: the device must not act. */
  expires_at: z.number().int().nonnegative(),
});
export type CommandPayload = z.output<typeof commandPayload>;

/** `done`: carried out; `refused`: not applicable now (nothing tripped, unknown); `failed`: tried, did not work. */
export const REPLY_RESULTS = ['done', 'refused', 'failed'] as const;
export type ReplyResult = (typeof REPLY_RESULTS)[number];

/** What the device publishes on `.../reply`. */
export const replyPayload = z.object({
  id: commandId,
  ts: timestamp.optional(),
  seq: sequence.optional(),
  result: z.enum(REPLY_RESULTS),
  detail: z.string().max(256).optional(),
});
export type ReplyPayload = z.output<typeof replyPayload>;

export type ReplyError = TopicError | 'not-reply' | 'too-large' | 'not-json' | 'invalid-fields';
export type ReplyDecode =
  | { ok: true; address: DeviceAddress; reply: ReplyPayload }
  | { ok: false; reason: ReplyError; detail: string };

/** Replies are small; anything larger than this is not one. */
const MAX_REPLY_BYTES = 4096;

function parseObject<T>(
  schema: z.ZodType<T>,
  payload: Uint8Array,
): { ok: true; value: T } | { ok: false; reason: ReplyError; detail: string } {
  if (payload.byteLength > MAX_REPLY_BYTES)
    return { ok: false, reason: 'too-large', detail: `${payload.byteLength} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (err) {
    return { ok: false, reason: 'not-json', detail: (err as Error).message.slice(0, 200) };
  }
  const result = schema.safeParse(json);
  if (!result.success)
    return { ok: false, reason: 'invalid-fields', detail: z.prettifyError(result.error).slice(0, 500) };
  return { ok: true, value: result.data };
}

/** Validates a device's reply. Never throws: bad input is data. */
export function decodeReply(topic: string, payload: Uint8Array): ReplyDecode {
  const parsed = parseTopic(topic);
  if (!parsed.ok) return { ok: false, reason: parsed.reason, detail: topic.slice(0, 200) };
  const { channel, ...address } = parsed.value;
  if (channel !== REPLY_CHANNEL) return { ok: false, reason: 'not-reply', detail: channel };
  const body = parseObject(replyPayload, payload);
  return body.ok ? { ok: true, address, reply: body.value } : body;
}

/** The platform's side: a command's topic and payload, validated. */
export function encodeCommand(
  address: DeviceAddress,
  data: CommandPayload,
): { topic: string; payload: string } {
  return {
    topic: deviceTopic({ ...address, channel: 'command' }),
    payload: JSON.stringify(commandPayload.parse(data)),
  };
}

/** The device's side (simulators, firmware tests): a received command, or why it is not one. */
export function decodeCommand(
  payload: Uint8Array,
): { ok: true; command: CommandPayload } | { ok: false; reason: ReplyError; detail: string } {
  const body = parseObject(commandPayload, payload);
  return body.ok ? { ok: true, command: body.value } : body;
}

/** The device's answer, validated, on its own reply topic. */
export function encodeReply(
  address: DeviceAddress,
  data: z.input<typeof replyPayload>,
): { topic: string; payload: string } {
  replyPayload.parse(data);
  return { topic: deviceTopic({ ...address, channel: REPLY_CHANNEL }), payload: JSON.stringify(data) };
}
