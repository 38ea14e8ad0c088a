export * from './cctv.ts';
export * from './codec.ts';
export * from './commands.ts';
export * from './common.ts';
export * from './lang.ts';
export * from './lift.ts';
export * from './lighting.ts';
export * from './meters.ts';
export * from './pump.ts';
export * from './topics.ts';

import { CCTV_EVENT_CODES } from './cctv.ts';
import type { EventCode } from './common.ts';
import { LIFT_EVENT_CODES } from './lift.ts';
import { LIGHTING_EVENT_CODES } from './lighting.ts';
import { PUMP_EVENT_CODES } from './pump.ts';
import type { Kind } from './topics.ts';

/** Every kind's device-reported event codes, with names and sources. */
export const EVENT_CODES: Record<Kind, readonly EventCode[]> = {
  lift: LIFT_EVENT_CODES,
  pump: PUMP_EVENT_CODES,
  lighting: LIGHTING_EVENT_CODES,
  cctv: CCTV_EVENT_CODES,
};
