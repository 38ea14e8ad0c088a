import { z } from 'zod';
import { codeEnum, detail, type EventCode, envelope, eventState } from './common.ts';

const PRACTICE = 'lighting circuit controller practice (JGJ 16-2008, residential lighting control)';

export const LIGHTING_EVENT_CODES = [
  { code: 'circuit_trip', en: 'Circuit tripped (on with no current)', zh: '回路跳闸', source: PRACTICE },
  { code: 'lamps_failed', en: 'Lamps failed', zh: '灯具故障', source: PRACTICE },
  { code: 'lit_in_daylight', en: 'Lit in daylight', zh: '白天亮灯', source: PRACTICE },
  {
    code: 'emergency_battery_fault',
    en: 'Emergency light battery fault',
    zh: '应急照明电池故障',
    source: 'GB 51309-2018 (fire emergency lighting: battery monitoring)',
  },
] as const satisfies readonly EventCode[];

export const LIGHTING_MODES = ['schedule', 'photocell', 'manual'] as const;

export const lightingTelemetry = z.object({
  ...envelope,
  /** The controller has switched the circuit on. */
  on: z.boolean(),
  mode: z.enum(LIGHTING_MODES),
  current_a: z.number().min(0).max(400),
  voltage_v: z.number().min(0).max(480),
  lamps_total: z.number().int().min(0).max(1000),
  lamps_failed: z.number().int().min(0).max(1000),
  /** Photocell reading. */
  ambient_lux: z.number().min(0).max(200_000),
  /** Monotonic energy meter. */
  energy_kwh: z.number().min(0),
  /** Emergency-light battery voltage where the circuit has emergency luminaires. */
  emergency_battery_v: z.number().min(0).max(60).optional(),
});

export const lightingEvent = z.object({
  ...envelope,
  code: codeEnum(LIGHTING_EVENT_CODES),
  state: eventState,
  detail,
});

export type LightingTelemetry = z.input<typeof lightingTelemetry>;
export type LightingEvent = z.input<typeof lightingEvent>;
