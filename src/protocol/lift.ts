import { z } from 'zod';
import { codeEnum, detail, type EventCode, envelope, eventState } from './common.ts';

const GBT24476 = 'GB/T 24476-2017 (IoT for lifts: fault information)';

/** Lift faults as GB/T 24476-2017 lists them for remote monitoring, plus the alarm button. */
export const LIFT_EVENT_CODES = [
  { code: 'entrapment', en: 'Passenger entrapment', zh: '困人', source: GBT24476 },
  { code: 'moving_door_open', en: 'Car moving with doors open', zh: '开门走车', source: GBT24476 },
  { code: 'stop_outside_door_zone', en: 'Stopped outside door zone', zh: '非平层停梯', source: GBT24476 },
  { code: 'overspeed', en: 'Overspeed', zh: '超速', source: GBT24476 },
  { code: 'top_overtravel', en: 'Top overtravel', zh: '冲顶', source: GBT24476 },
  { code: 'bottom_overtravel', en: 'Bottom overtravel', zh: '蹲底', source: GBT24476 },
  { code: 'safety_circuit_open', en: 'Safety circuit open', zh: '安全回路断路', source: GBT24476 },
  { code: 'door_lock_fault', en: 'Door lock circuit fault', zh: '门锁回路断路', source: GBT24476 },
  { code: 'door_open_failure', en: 'Door fails to open', zh: '开门故障', source: GBT24476 },
  { code: 'door_close_failure', en: 'Door fails to close', zh: '关门故障', source: GBT24476 },
  { code: 'power_loss', en: 'Power loss', zh: '停电', source: GBT24476 },
  {
    code: 'alarm_button',
    en: 'Car alarm button pressed',
    zh: '轿厢紧急报警按钮动作',
    source: 'GB/T 7588.1-2020 (emergency alarm device)',
  },
] as const satisfies readonly EventCode[];

/** Operating modes reported under GB/T 24476-2017 (running state). */
export const LIFT_MODES = ['normal', 'inspection', 'fire', 'out_of_service', 'maintenance'] as const;

export const liftTelemetry = z.object({
  ...envelope,
  /** Current floor; negative for basements. */
  floor: z.number().int().min(-10).max(200),
  direction: z.enum(['up', 'down', 'stopped']),
  speed_mps: z.number().min(0).max(20),
  door: z.enum(['open', 'opening', 'closing', 'closed']),
  /** Car is within the door (levelling) zone. */
  door_zone: z.boolean(),
  /** Someone is in the car (car occupancy sensor). */
  occupied: z.boolean(),
  load_kg: z.number().min(0).max(10_000).optional(),
  mode: z.enum(LIFT_MODES),
  /** Monotonic door open/close cycle counter. */
  door_cycles_total: z.number().int().nonnegative(),
  /** Monotonic run (start) counter. */
  runs_total: z.number().int().nonnegative(),
});

export const liftEvent = z.object({
  ...envelope,
  code: codeEnum(LIFT_EVENT_CODES),
  state: eventState,
  floor: z.number().int().min(-10).max(200).optional(),
  detail,
});

export type LiftTelemetry = z.input<typeof liftTelemetry>;
export type LiftEvent = z.input<typeof liftEvent>;
