/**
 * The last hour of readings in memory, for a platform running without InfluxDB (the embedded
 * default): the API answers a device's status, last readings and recent history from it, so what
 * a device sends can be seen on the first run. Bounded per device by time and count, and in all
 * by points; what falls out is gone (InfluxDB is the history store).
 */
import type { Clock } from '../clock.ts';
import type { DecodedMessage } from '../protocol/index.ts';

export type Reading = number | string | boolean | null;
export type ReadingRow = { time: Date; [field: string]: Reading | Date };

export interface RecentLimits {
  /** How far back readings are kept. */
  windowMs: number;
  /** Most points kept per device (a device reporting every second keeps its last hour only up to this). */
  perDevice: number;
  /** Most points kept in all; past it the oldest points of the fullest devices go first. */
  total: number;
}

export const RECENT_DEFAULTS: RecentLimits = { windowMs: 3_600_000, perDevice: 3_600, total: 500_000 };

interface DeviceWindow {
  points: { time: number; fields: Record<string, Reading> }[];
  status?: { time: number; state: string };
}

export class RecentReadings {
  readonly #devices = new Map<string, DeviceWindow>();
  #total = 0;

  constructor(
    private readonly now: Clock,
    private readonly limits: RecentLimits = RECENT_DEFAULTS,
  ) {}

  /** Keeps a telemetry reading or a status; events are records' business, not readings. */
  add(message: DecodedMessage, time: number): void {
    if (message.channel === 'event') return;
    let w = this.#devices.get(message.deviceId);
    if (!w) {
      w = { points: [] };
      this.#devices.set(message.deviceId, w);
    }
    if (message.channel === 'status') {
      w.status = { time, state: (message.data as { state: string }).state };
      return;
    }
    const { ts: _ts, ...fields } = message.data as Record<string, Reading> & { ts?: unknown };
    // Devices send in order; a late point is put in its place so ranges stay sorted.
    let i = w.points.length;
    while (i > 0 && w.points[i - 1]!.time > time) i--;
    w.points.splice(i, 0, { time, fields });
    this.#total++;
    this.#trim(w);
  }

  get size(): number {
    return this.#total;
  }

  async lastStatus(deviceId: string): Promise<{ state: string; time: Date } | undefined> {
    const s = this.#devices.get(deviceId)?.status;
    return s && { state: s.state, time: new Date(s.time) };
  }

  async lastReading(deviceId: string): Promise<ReadingRow | undefined> {
    const p = this.#window(deviceId).at(-1);
    return p && { ...p.fields, time: new Date(p.time) };
  }

  async history(
    deviceId: string,
    o: { from: Date; to: Date; fields?: string[]; limit: number },
  ): Promise<ReadingRow[]> {
    const from = o.from.getTime();
    const to = o.to.getTime();
    const rows: ReadingRow[] = [];
    for (const p of this.#window(deviceId)) {
      if (p.time < from || p.time >= to) continue;
      const fields = o.fields ? Object.fromEntries(o.fields.map((f) => [f, p.fields[f] ?? null])) : p.fields;
      rows.push({ ...fields, time: new Date(p.time) });
      if (rows.length === o.limit) break;
    }
    return rows;
  }

  #window(deviceId: string): DeviceWindow['points'] {
    const w = this.#devices.get(deviceId);
    if (!w) return [];
    this.#trim(w);
    return w.points;
  }

  #trim(w: DeviceWindow): void {
    const oldest = this.now() - this.limits.windowMs;
    let drop = 0;
    while (drop < w.points.length && w.points[drop]!.time < oldest) drop++;
    drop = Math.max(drop, w.points.length - this.limits.perDevice);
    if (drop > 0) {
      w.points.splice(0, drop);
      this.#total -= drop;
    }
    if (this.#total > this.limits.total) this.#evict();
  }

  /** Over the total: halve the fullest devices' windows until under it (rare: many devices, no InfluxDB). */
  #evict(): void {
    const fullest = [...this.#devices.values()].sort((a, b) => b.points.length - a.points.length);
    for (const w of fullest) {
      if (this.#total <= this.limits.total * 0.9) return;
      const drop = Math.ceil(w.points.length / 2);
      w.points.splice(0, drop);
      this.#total -= drop;
    }
  }
}
