/**
 * Meter readings for maintenance plans (docs/rules.md, "Meters"): the counters a telemetry message
 * carries (protocol METER_FIELDS) are passed to the desk at most once per device per `everyMs`, so
 * a lift reporting every 10 s costs the records database one small write every few minutes. A plan's
 * step is thousands of runs or hours: a few minutes' delay moves its job by nothing that matters.
 */
import { type DecodedMessage, meterReadings } from '../protocol/index.ts';
import type { Action } from './action.ts';

export class MeterSampler {
  readonly #everyMs: number;
  readonly #last = new Map<string, number>();

  constructor(everyMs: number) {
    this.#everyMs = everyMs;
  }

  /** The meters action for this message, if it is telemetry with counters and the device's turn has come. */
  sample(m: DecodedMessage, at: number): Extract<Action, { type: 'meters' }> | undefined {
    if (m.channel !== 'telemetry') return undefined;
    const last = this.#last.get(m.deviceId);
    if (last !== undefined && at - last < this.#everyMs && at >= last) return undefined;
    const readings = meterReadings(m.kind, m.data as Record<string, unknown>);
    if (Object.keys(readings).length === 0) return undefined;
    this.#last.set(m.deviceId, at);
    return { type: 'meters', deviceId: m.deviceId, readings, at };
  }
}
