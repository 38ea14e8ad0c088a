/**
 * Panel shapes of the platform's own dashboard: PromQL over the metrics of the API's /metrics
 * (docs/metrics.md), one selector for the chosen processes, counters that may not exist yet read
 * as zero.
 */

import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  BigValueGraphMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  ReduceDataOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  type Panel,
  RowBuilder,
  type RowPanel,
  type ThresholdsConfigBuilder,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { NEUTRAL, steps } from './common.ts';
import { PROMETHEUS, promql } from './queries.ts';

/**
 * Stable panel ids: Grafana alert rules link to their panel by id (alert-files.ts), and the ids
 * are the same in both languages.
 */
export const PANEL_IDS = {
  services: 1,
  influx: 2,
  spool: 3,
  pending: 4,
  uptime: 5,
  clients: 10,
  messages: 11,
  refusals: 12,
  drops: 13,
  accepted: 20,
  buffered: 21,
  lines: 22,
  rejects: 23,
  writeLatency: 24,
  writeErrors: 25,
  recordLatency: 30,
  queues: 31,
  rulesMessages: 32,
  rulesEvents: 33,
  rulesDevices: 34,
  breaches: 40,
  openRecords: 41,
  openAlerts: 42,
  streams: 43,
  requests: 50,
  apiLatency: 51,
  serverErrors: 52,
  cpu: 60,
  memory: 61,
  eventLoop: 62,
  gc: 63,
} as const;
export type PanelKey = keyof typeof PANEL_IDS;

/** The processes chosen in the `instance` picker. */
const INSTANCE = 'instance=~"$instance"';

/** A metric with the instance selector and more matchers: `m('fm_x', 'where="spool"')`. */
export const m = (name: string, matchers = ''): string =>
  `${name}{${INSTANCE}${matchers ? `, ${matchers}` : ''}}`;

/** Grafana's rate window: at least four scrapes, so a rate always has two samples. */
export const RATE = '$__rate_interval';

/** `sum by (label) (rate(counter[...]))`, the common case. */
export const ratesBy = (label: string, counter: string, matchers = ''): string =>
  `sum by (${label}) (rate(${m(counter, matchers)}[${RATE}]))`;

/**
 * A labelled counter appears only once something was counted (the first refusal, the first drop).
 * Until then the panel reads 0 labelled `none`, not "No data", which would look like a broken scrape.
 */
export const orZero = (expr: string, label: string): string =>
  `(${expr}) or on() label_replace(vector(0), "${label}", "none", "", "")`;

/** The `histogram_quantile` of a latency histogram over the chosen processes, by `by`. */
export const quantile = (q: number, histogram: string, matchers = '', by = ''): string =>
  `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${m(`${histogram}_bucket`, matchers)}[${RATE}])))`;

export interface SeriesSpec {
  key: PanelKey;
  title: string;
  description: string;
  /** `[expr, legend]` per query; legends use Grafana's `{{label}}`. */
  queries: [string, string][];
  unit?: string;
  /** Drawn as a dashed line: where the alert on this panel fires. */
  thresholds?: ThresholdsConfigBuilder;
  span?: number;
}

export function series(s: SeriesSpec): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder()
    .id(PANEL_IDS[s.key])
    .title(s.title)
    .description(s.description)
    .datasource({ ...PROMETHEUS })
    .unit(s.unit ?? 'none')
    .min(0)
    .height(8)
    .span(s.span ?? 8);
  s.queries.forEach(([expr, legend], i) => {
    p.withTarget(promql(expr, legend, String.fromCharCode(65 + i)));
  });
  if (s.thresholds)
    p.thresholds(s.thresholds).thresholdsStyle(
      new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed),
    );
  else p.thresholds(NEUTRAL());
  return p;
}

export interface SingleSpec {
  key: PanelKey;
  title: string;
  description: string;
  expr: string;
  legend?: string;
  unit?: string;
  thresholds: ThresholdsConfigBuilder;
  mappings?: ValueMapping[];
  /** Shown when the query has no series, e.g. no InfluxDB configured. */
  noValue?: string;
  span?: number;
}

/** A stat coloured by its thresholds: the row's headline. */
export function single(s: SingleSpec): stat.PanelBuilder {
  const p = new stat.PanelBuilder()
    .id(PANEL_IDS[s.key])
    .title(s.title)
    .description(s.description)
    .datasource({ ...PROMETHEUS })
    .withTarget(promql(s.expr, s.legend))
    .unit(s.unit ?? 'none')
    .thresholds(s.thresholds)
    .graphMode(BigValueGraphMode.None)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .height(5)
    .span(s.span ?? 4);
  if (s.mappings) p.mappings(s.mappings);
  if (s.noValue) p.noValue(s.noValue);
  return p;
}

export interface Row {
  row: cog.Builder<RowPanel>;
  panels: cog.Builder<Panel>[];
}

export const row = (id: number, title: string, panels: cog.Builder<Panel>[]): Row => ({
  row: new RowBuilder(title).id(id),
  panels,
});

/** Red from an alert's threshold up (dashed on a graph): the panel shows where its alert fires. */
export const alertLine = (value: number): ThresholdsConfigBuilder => steps([null, 'green'], [value, 'red']);
