/** The panel shapes of the records dashboards (overview, service desk): numbers, tables, bar charts. */
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import { ReduceDataOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import type { ThresholdsConfigBuilder, ValueMapping } from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { NEUTRAL, type Tr, words } from './common.ts';
import { RECORDS, sql } from './queries.ts';

export const OPEN = `state NOT IN ('closed', 'cancelled')`;

export function number(
  title: string,
  description: string,
  query: string,
  thresholds: ThresholdsConfigBuilder,
  unit = 'none',
): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(RECORDS)
    .withTarget(sql(query))
    .unit(unit)
    .thresholds(thresholds)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .height(5)
    .span(6);
}

export function rows(title: string, description: string, query: string, span = 12): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(RECORDS)
    .withTarget(sql(query))
    .thresholds(NEUTRAL())
    .height(8)
    .span(span);
}

/** A table column shown in words and coloured (priority, device status). */
export function coloured(
  p: table.PanelBuilder,
  column: string,
  mappings: ValueMapping[],
): table.PanelBuilder {
  return p.overrideByName(column, [
    { id: 'mappings', value: mappings },
    { id: 'custom.cellOptions', value: { type: 'color-text' } },
  ]);
}

export const priorities = (tr: Tr): ValueMapping[] =>
  words(tr, {
    emergency: ['紧急', 'emergency', 'red'],
    urgent: ['急', 'urgent', 'orange'],
    normal: ['一般', 'normal', 'blue'],
    low: ['低', 'low', 'text'],
  });

export function bars(title: string, description: string, query: string, x: string): barchart.PanelBuilder {
  return new barchart.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(RECORDS)
    .withTarget(sql(query))
    .xField(x)
    .thresholds(NEUTRAL())
    .height(8)
    .span(12);
}
