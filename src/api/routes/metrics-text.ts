/** The /metrics body: Prometheus text format 0.0.4, from prom-client and the services' families. */
import { labelled, type MetricFamily, renderFamilies, single } from '../../metrics.ts';
import type { ApiContext } from '../context.ts';

async function storeFamilies(ctx: ApiContext): Promise<MetricFamily[]> {
  const db = ctx.records.db;
  const count = async (sql: string) =>
    Object.fromEntries(
      (await db.query<{ key: string; n: number }>(sql).catch(() => [])).map((r) => [r.key, r.n]),
    );
  const sites = await count("SELECT 'all' AS key, count(*)::int AS n FROM sites");
  const devices = await count(
    `SELECT (CASE WHEN revoked_at IS NULL THEN 'active' ELSE 'revoked' END) AS key, count(*)::int AS n
     FROM devices GROUP BY 1`,
  );
  // The service tables arrive with records/service's migrations; absent, they count nothing.
  const records = await count('SELECT state AS key, count(*)::int AS n FROM service_records GROUP BY state');
  const alerts = await count('SELECT state AS key, count(*)::int AS n FROM patrol_alerts GROUP BY state');
  const breaches = await count(
    'SELECT d.step AS key, count(*)::int AS n FROM sla_breaches b JOIN sla_deadlines d ON d.id = b.deadline_id GROUP BY d.step',
  );
  return [
    single('fm_sites', 'Registered sites.', 'gauge', sites.all ?? 0),
    labelled('fm_devices', 'Registered devices by state.', 'gauge', 'state', devices),
    labelled('fm_service_records', 'Service records by state.', 'gauge', 'state', records),
    labelled('fm_patrol_alerts', 'Patrol alerts by state.', 'gauge', 'state', alerts),
    // Breaches are never deleted, so their count only grows: a counter.
    labelled('fm_sla_breaches_total', 'Deadlines missed, by step.', 'counter', 'step', breaches),
    single('fm_stream_clients', 'Open /stream connections.', 'gauge', ctx.changes.size),
  ];
}

export async function renderMetrics(ctx: ApiContext): Promise<string> {
  const families = await storeFamilies(ctx);
  const up: Record<string, number> = {};
  for (const probe of ctx.services) {
    try {
      if (probe.health) up[probe.name] = probe.health().status === 'down' ? 0 : 1;
      if (probe.metrics) families.push(...probe.metrics());
    } catch (err) {
      ctx.log.warn({ err, service: probe.name }, 'metrics unavailable for /metrics');
    }
  }
  families.push(
    labelled(
      'fm_service_up',
      'Whether each service in this process is doing its job (1) or down (0); /health says why.',
      'gauge',
      'service',
      up,
    ),
  );
  return `${await ctx.httpMetrics.text()}${renderFamilies(families)}`;
}
