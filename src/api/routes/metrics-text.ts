/** The /metrics body: Prometheus text format, assembled from counters the services expose. */
import type { ApiContext } from '../context.ts';

const snake = (s: string) =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]/g, '_')
    .toLowerCase();

/** Numeric leaves of a counters object as `prefix_path value` (nested keys joined with `_`). */
export function flatten(prefix: string, value: unknown, out: string[] = []): string[] {
  if (typeof value === 'number' && Number.isFinite(value)) out.push(`${prefix} ${value}`);
  else if (typeof value === 'boolean') out.push(`${prefix} ${value ? 1 : 0}`);
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(`${prefix}_${snake(k)}`, v, out);
  }
  return out;
}

function gauge(name: string, help: string, samples: Array<[labels: string, value: number]>): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...samples.map(([l, v]) => `${name}${l} ${v}`)];
}

async function storeLines(ctx: ApiContext): Promise<string[]> {
  const db = ctx.records.db;
  const count = async (sql: string) => db.query<{ key: string; n: number }>(sql).catch(() => []);
  const sites = await count("SELECT 'all' AS key, count(*)::int AS n FROM sites");
  const devices = await count(
    `SELECT (CASE WHEN revoked_at IS NULL THEN 'active' ELSE 'revoked' END) AS key, count(*)::int AS n
     FROM devices GROUP BY 1`,
  );
  // The service tables arrive with records/service's migrations; absent, they count nothing.
  const records = await count('SELECT state AS key, count(*)::int AS n FROM service_records GROUP BY state');
  const alerts = await count('SELECT state AS key, count(*)::int AS n FROM patrol_alerts GROUP BY state');
  return [
    ...gauge('fm_sites', 'Registered sites.', [['', sites[0]?.n ?? 0]]),
    ...gauge(
      'fm_devices',
      'Registered devices by state.',
      devices.map((r) => [`{state="${r.key}"}`, r.n]),
    ),
    ...gauge(
      'fm_service_records',
      'Service records by state.',
      records.map((r) => [`{state="${r.key}"}`, r.n]),
    ),
    ...gauge(
      'fm_patrol_alerts',
      'Patrol alerts by state.',
      alerts.map((r) => [`{state="${r.key}"}`, r.n]),
    ),
  ];
}

export async function renderMetrics(ctx: ApiContext): Promise<string> {
  const lines = [...ctx.httpMetrics.lines(), ...(await storeLines(ctx))];
  lines.push(...gauge('fm_stream_clients', 'Open /stream connections.', [['', ctx.changes.size]]));
  const up: Array<[string, number]> = [];
  for (const probe of ctx.services) {
    try {
      if (probe.health) up.push([`{service="${probe.name}"}`, probe.health().status === 'down' ? 0 : 1]);
      if (probe.counters) lines.push(...flatten(`fm_${snake(probe.name)}`, probe.counters()));
    } catch (err) {
      ctx.log.warn({ err, service: probe.name }, 'counters unavailable for /metrics');
    }
  }
  lines.push(
    ...gauge('fm_service_up', 'Whether each service in this process is doing its job (1) or down (0).', up),
  );
  return `${lines.join('\n')}\n`;
}
