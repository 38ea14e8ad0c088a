import { z } from 'zod';
import { codeEnum, detail, type EventCode, envelope, eventState } from './common.ts';

const CJJ140 = 'CJJ 140-2010 (secondary water supply: pump room monitoring)';
const GB5749 = 'GB 5749-2022 (drinking water quality)';

export const PUMP_EVENT_CODES = [
  { code: 'outlet_pressure_low', en: 'Outlet pressure low', zh: '出水压力过低', source: CJJ140 },
  { code: 'outlet_pressure_high', en: 'Outlet pressure high', zh: '出水压力过高', source: CJJ140 },
  { code: 'tank_level_low', en: 'Tank level low', zh: '水箱液位过低', source: CJJ140 },
  { code: 'tank_level_high', en: 'Tank level high (overflow)', zh: '水箱液位过高', source: CJJ140 },
  { code: 'pump_fault', en: 'Pump fault', zh: '水泵故障', source: CJJ140 },
  { code: 'all_pumps_stopped', en: 'All pumps stopped', zh: '水泵全停', source: CJJ140 },
  { code: 'flooding', en: 'Pump room flooding', zh: '泵房水浸', source: CJJ140 },
  {
    code: 'chlorine_out_of_range',
    en: 'Residual chlorine outside 0.05-2 mg/L',
    zh: '余氯超出 0.05-2 mg/L',
    source: `${GB5749} table 1`,
  },
  { code: 'turbidity_high', en: 'Turbidity above 1 NTU', zh: '浊度超过 1 NTU', source: `${GB5749} table 1` },
] as const satisfies readonly EventCode[];

/** GB 5749-2022 limits the rules and dashboards also use. */
export const WATER_QUALITY_LIMITS = {
  chlorineMinMgpl: 0.05,
  chlorineMaxMgpl: 2,
  turbidityMaxNtu: 1,
} as const;

export const pumpTelemetry = z.object({
  ...envelope,
  inlet_pressure_mpa: z.number().min(0).max(4),
  outlet_pressure_mpa: z.number().min(0).max(4),
  flow_m3ph: z.number().min(0).max(2000),
  tank_level_m: z.number().min(0).max(30),
  pumps_total: z.number().int().min(1).max(16),
  pumps_running: z.number().int().min(0).max(16),
  /** 1-based number of the pump currently on duty (duty rotation). */
  duty_pump: z.number().int().min(1).max(16),
  /** Variable-frequency drive output of the duty pump. */
  frequency_hz: z.number().min(0).max(60),
  /** Sum of running pumps' motor currents. */
  current_a: z.number().min(0).max(2000),
  residual_chlorine_mgpl: z.number().min(0).max(20),
  turbidity_ntu: z.number().min(0).max(1000),
  /** Floor water sensor. */
  flood_detected: z.boolean(),
  /** Monotonic running hours of all the room's pumps together, where the controller counts them (meter plans). */
  run_hours_total: z.number().nonnegative().optional(),
});

export const pumpEvent = z.object({
  ...envelope,
  code: codeEnum(PUMP_EVENT_CODES),
  state: eventState,
  /** Which pump, for pump_fault. */
  pump: z.number().int().min(1).max(16).optional(),
  detail,
});

export type PumpTelemetry = z.input<typeof pumpTelemetry>;
export type PumpEvent = z.input<typeof pumpEvent>;
