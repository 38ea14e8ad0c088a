import { z } from 'zod';

/**
 * Pieces every payload shares. `ts` is device time (epoch ms or ISO 8601 with offset); the
 * receiver substitutes its own time when it is absent or absurd (see resolveTimestamp). `seq` is
 * the device's message counter, for gap and duplicate detection.
 */
export const timestamp = z.union([
  z.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);
export const sequence = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const envelope = {
  ts: timestamp.optional(),
  seq: sequence,
};

/** A fault/event is raised when it begins and cleared when the device sees it end. */
export const EVENT_STATES = ['raised', 'cleared'] as const;
export const eventState = z.enum(EVENT_STATES).default('raised');

/** Free text a device may attach to an event; bounded so a payload cannot smuggle a novel. */
export const detail = z.string().max(256).optional();

export interface EventCode {
  code: string;
  en: string;
  zh: string;
  /** The standard or practice the code comes from. */
  source: string;
}

/** Makes the zod enum of a kind's event codes from its table, so both cannot drift. */
export function codeEnum<const T extends readonly EventCode[]>(codes: T) {
  return z.enum(codes.map((c) => c.code) as [T[number]['code'], ...T[number]['code'][]]);
}

/** Device times further ahead than this are treated as a wrong clock. */
export const MAX_FUTURE_MS = 5 * 60_000;
/** Device times before this (2000-01-01) are an unset RTC. */
export const MIN_PLAUSIBLE_MS = Date.UTC(2000, 0, 1);

/** The time a reading is stored under: the device's, unless absent or absurd, else the receiver's. */
export function resolveTimestamp(ts: number | undefined, receivedAt: number): number {
  if (ts === undefined || ts < MIN_PLAUSIBLE_MS || ts > receivedAt + MAX_FUTURE_MS) return receivedAt;
  return ts;
}
