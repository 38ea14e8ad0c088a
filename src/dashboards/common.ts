/**
 * What every dashboard shares: the language, uids, template variables, threshold shapes, and the
 * links between dashboards, service records and the API.
 */
import {
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  MappingType,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
  type Threshold,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type ValueMapping,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { type DashboardName, dashboardUid } from '../dashboard-uids.ts';
import type { Kind, Lang } from '../protocol/index.ts';
import { RECORDS } from './queries.ts';

export { type DashboardName, dashboardUid };

/** The API at its default address (FM_API_HOST, FM_API_PORT); staff set theirs in the `api` box. */
const DEFAULT_API_URL = 'http://127.0.0.1:8080';

export { LANGS } from '../protocol/index.ts';

/** Picks the text of the language: every title is written once, in both languages, where it is used. */
export type Tr = (zh: string, en: string) => string;
export const translator =
  (lang: Lang): Tr =>
  (zh, en) =>
    lang === 'en' ? en : zh;

/** Uid, tags, time, refresh and the links to the other dashboards of the language. */
export function frame(name: DashboardName, lang: Lang, title: string, tr: Tr): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(dashboardUid(name, lang))
    .tags(['facility-monitor', lang])
    .editable()
    .time({ from: 'now-6h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .link(
      new DashboardLinkBuilder(tr('设施监控', 'Facility monitor'))
        .type(DashboardLinkType.Dashboards)
        .tags(['facility-monitor', lang])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
}

/** A dashboard with the estate picker and the API address for record links. */
export function baseDashboard(name: DashboardName, lang: Lang, title: string, tr: Tr): DashboardBuilder {
  return frame(name, lang, title, tr)
    .withVariable(
      new QueryVariableBuilder('site')
        .label(tr('小区', 'Estate'))
        .datasource(RECORDS)
        .query('SELECT id AS __value, name AS __text FROM sites ORDER BY name')
        .refresh(VariableRefresh.OnDashboardLoad)
        .sort(VariableSort.AlphabeticalAsc),
    )
    .withVariable(
      new TextBoxVariableBuilder('api')
        .label(tr('服务记录 API', 'Records API'))
        .description(
          tr('服务记录链接指向的 API 地址', 'Where the service record links point: the platform API'),
        )
        .defaultValue(DEFAULT_API_URL)
        .current({ text: DEFAULT_API_URL, value: DEFAULT_API_URL }),
    );
}

/**
 * Building and device pickers of a kind's dashboard, from the registry: a device that never
 * reported is listed too (an empty graph is a finding).
 */
export function deviceVariables(d: DashboardBuilder, kind: Kind, tr: Tr): DashboardBuilder {
  return (
    d
      .withVariable(
        new QueryVariableBuilder('building')
          .label(tr('楼栋', 'Building'))
          .datasource(RECORDS)
          .query(`SELECT id AS __value, name AS __text FROM buildings WHERE site_id = '$site' ORDER BY id`)
          .refresh(VariableRefresh.OnDashboardLoad)
          .multi(true)
          .includeAll(true)
          // "All" also matches devices registered without a building (estate roads, gatehouse).
          .allValue('.*')
          .current({ text: 'All', value: '$__all' }),
      )
      // No custom "All" value: the ids go into InfluxQL (`=~ /^$device$/`) and SQL (`IN ($device)`).
      .withVariable(
        new QueryVariableBuilder('device')
          .label(tr('设备', 'Device'))
          .datasource(RECORDS)
          .query(
            `SELECT id FROM devices WHERE site_id = '$site' AND kind = '${kind}' AND revoked_at IS NULL
  AND COALESCE(building_id, '') ~ '^\${building:regex}$' ORDER BY id`,
          )
          .refresh(VariableRefresh.OnDashboardLoad)
          .multi(true)
          .includeAll(true)
          .current({ text: 'All', value: '$__all' }),
      )
  );
}

/** `WHERE` of a kind's telemetry queries. */
export const DEVICE_FILTER = `"site" = '$site' AND "device" =~ /^$device$/ AND $timeFilter`;

/** Absolute thresholds from `[value, colour]` pairs; the first value is null (the base colour). */
export function steps(...pairs: [number | null, string][]): ThresholdsConfigBuilder {
  return absolute(pairs.map(([value, color]) => ({ value, color })));
}

export function absolute(list: Threshold[]): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(list);
}

/**
 * For a value no rule judges: one neutral step, so Grafana's default (green, red from 80) never
 * paints a floor number, a door count or a device count red.
 */
export const NEUTRAL = (): ThresholdsConfigBuilder => steps([null, 'text']);

/** For a count where zero is good and any is bad (failed disks, open patrol alerts, spooled lines). */
export const ZERO_IS_GOOD = (bad = 'red'): ThresholdsConfigBuilder => steps([null, 'green'], [1, bad]);

/** Values shown as words of the dashboard's language in a colour: `{ up: ['上行', 'up', 'blue'] }`. */
export function words(
  tr: Tr,
  entries: Record<string, [zh: string, en: string, color: string]>,
): ValueMapping[] {
  const options = Object.fromEntries(
    Object.entries(entries).map(([value, [zh, en, color]], index) => [
      value,
      { text: tr(zh, en), color, index },
    ]),
  );
  return [{ type: MappingType.ValueToText, options }];
}

/** A Grafana variable reference in a link, e.g. `ref('__data.fields.id')` is `${__data.fields.id}`. */
export const ref = (name: string): string => `\${${name}}`;

/** A table cell link to the record in the API (`$api` is the dashboard's API address variable). */
export function recordLink(tr: Tr): DashboardLinkBuilder {
  return new DashboardLinkBuilder(tr('打开服务记录', 'Open the service record'))
    .url(`${ref('api')}/records/${ref('__data.fields.id')}`)
    .targetBlank(true);
}
