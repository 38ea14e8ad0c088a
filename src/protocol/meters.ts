import type { Kind } from './topics.ts';

/**
 * Monotonic counters in each kind's telemetry that maintenance plans may be driven by (a job each
 * time one has grown by the plan's step, docs/service-records.md "Maintenance plans"). rules
 * forwards them to the desk; nothing else about a reading is kept there.
 */
export const METER_FIELDS: Record<Kind, readonly string[]> = {
  lift: ['runs_total', 'door_cycles_total'],
  pump: ['run_hours_total'],
  lighting: ['energy_kwh'],
  cctv: ['disk_power_on_hours_max'],
};

/** The meter readings a telemetry payload carries (numbers only; absent optional counters are left out). */
export function meterReadings(kind: Kind, payload: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of METER_FIELDS[kind]) {
    const v = payload[f];
    if (typeof v === 'number' && Number.isFinite(v)) out[f] = v;
  }
  return out;
}
