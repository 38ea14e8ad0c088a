/**
 * Panel queries. The SDK has no InfluxDB or SQL query builders, so these two implement its
 * `cog.Builder<cog.Dataquery>` contract and produce the targets Grafana's own editors save; PromQL
 * uses the SDK's own. Every query is also listed by `queriesOf` so the tests can run each one
 * against real servers.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder, QueryEditorMode } from '@grafana/grafana-foundation-sdk/prometheus';

/** The provisioned datasources (dashboards/provisioning/datasources/facility-monitor.yaml). */
export const INFLUX = { type: 'influxdb', uid: 'fm-influxdb' } as const satisfies DataSourceRef;
export const RECORDS = {
  type: 'grafana-postgresql-datasource',
  uid: 'fm-records',
} as const satisfies DataSourceRef;
/** The platform's own metrics, scraped from the API's /metrics (docs/metrics.md). */
export const PROMETHEUS = { type: 'prometheus', uid: 'fm-prometheus' } as const satisfies DataSourceRef;
export const DATASOURCE_NAMES = {
  influx: 'facility-influxdb',
  records: 'facility-records',
  prometheus: 'facility-prometheus',
} as const;

type Query = cog.Dataquery & Record<string, unknown>;
const variant = { _implementsDataqueryVariant() {} };

/** A raw InfluxQL query (works on InfluxDB 1.x, 2.x with DBRP and 3.x). */
export function influxql(
  query: string,
  opts: {
    refId?: string;
    alias?: string;
    format?: 'time_series' | 'table';
    /** For an annotation: which columns become its text and tags. */
    annotation?: { textColumn: string; tagsColumn: string };
  } = {},
): cog.Builder<cog.Dataquery> {
  return {
    build: (): Query => ({
      ...variant,
      refId: opts.refId ?? 'A',
      datasource: { ...INFLUX },
      query,
      rawQuery: true,
      resultFormat: opts.format ?? 'time_series',
      ...(opts.alias ? { alias: opts.alias } : {}),
      ...(opts.annotation ? { fromAnnotations: true, ...opts.annotation } : {}),
    }),
  };
}

/** A raw SQL query over the records database. */
export function sql(
  rawSql: string,
  opts: { refId?: string; format?: 'table' | 'time_series' } = {},
): cog.Builder<cog.Dataquery> {
  return {
    build: (): Query => ({
      ...variant,
      refId: opts.refId ?? 'A',
      datasource: { ...RECORDS },
      rawSql,
      rawQuery: true,
      editorMode: 'code',
      format: opts.format ?? 'table',
    }),
  };
}

/** A PromQL range query; `legend` is Grafana's legend format, e.g. `{{service}}`. */
export function promql(expr: string, legend?: string, refId = 'A'): DataqueryBuilder {
  const q = new DataqueryBuilder()
    .datasource({ ...PROMETHEUS })
    .refId(refId)
    .expr(expr)
    .range()
    // Opened in the code editor: the visual builder cannot show `or on()`, label_replace and friends.
    .editorMode(QueryEditorMode.Code);
  return legend ? q.legendFormat(legend) : q;
}

export interface ExtractedQuery {
  /** Where in which dashboard, for a readable test failure. */
  where: string;
  datasource: 'influxdb' | 'sql' | 'prometheus';
  text: string;
}

interface DashboardJson {
  uid?: string;
  panels?: { title?: string; targets?: Record<string, unknown>[] }[];
  templating?: { list?: { name: string; datasource?: DataSourceRef; query?: unknown }[] };
  annotations?: { list?: { name: string; target?: Record<string, unknown> }[] };
}

function classify(where: string, target: Record<string, unknown>): ExtractedQuery | undefined {
  if (typeof target.rawSql === 'string') return { where, datasource: 'sql', text: target.rawSql };
  if (typeof target.query === 'string') return { where, datasource: 'influxdb', text: target.query };
  if (typeof target.expr === 'string') return { where, datasource: 'prometheus', text: target.expr };
  return undefined;
}

/** Every query a dashboard runs: panels, template variables and annotations. */
export function queriesOf(dashboard: DashboardJson): ExtractedQuery[] {
  const out: ExtractedQuery[] = [];
  const uid = dashboard.uid ?? '?';
  for (const p of dashboard.panels ?? []) {
    for (const t of p.targets ?? []) {
      const q = classify(`${uid} panel "${p.title}" ${t.refId}`, t);
      if (q) out.push(q);
    }
  }
  for (const v of dashboard.templating?.list ?? []) {
    if (typeof v.query !== 'string' || !v.datasource) continue;
    const where = `${uid} variable $${v.name}`;
    const datasource: ExtractedQuery['datasource'] =
      v.datasource.uid === RECORDS.uid
        ? 'sql'
        : v.datasource.uid === PROMETHEUS.uid
          ? 'prometheus'
          : 'influxdb';
    out.push({ where, datasource, text: v.query });
  }
  for (const a of dashboard.annotations?.list ?? []) {
    const q = a.target && classify(`${uid} annotation "${a.name}"`, a.target);
    if (q) out.push(q);
  }
  return out;
}
