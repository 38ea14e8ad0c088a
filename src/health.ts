import type { MetricFamily } from './metrics.ts';

/**
 * What a running service says of itself, for `/health` and `/metrics`: `ok`; `degraded` (doing its
 * job with something an operator should look at, such as readings spooled while InfluxDB is down);
 * `down` (not doing its job: fault detection or the records it feeds are not working).
 */
export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface ServiceHealth {
  status: HealthStatus;
  /** One line a person can act on, when not ok. */
  detail?: string;
}

/** A running service as the API sees it: its health and its metrics, under its name. */
export interface ServiceProbe {
  name: string;
  health?(): ServiceHealth;
  metrics?(): MetricFamily[];
}

const RANK: Record<HealthStatus, number> = { ok: 0, degraded: 1, down: 2 };

export function worst(statuses: readonly HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}
