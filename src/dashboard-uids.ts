/**
 * Dashboard uids: a shared word, low in the tree, so rules links to a dashboard (rules/evidence.ts)
 * without importing dashboards/ (nor the Grafana SDK it loads).
 */
import type { Kind, Lang } from './protocol/index.ts';

export type DashboardName = Kind | 'overview' | 'desk' | 'planned' | 'platform';

/**
 * `fm-lift` for zh-CN (the default language), `fm-lift-en` for en: both sets live in one Grafana.
 * Device records link to `dashboardUid(kind, FM_LANG)` (rules/evidence.ts).
 */
export function dashboardUid(name: DashboardName | string, lang: Lang): string {
  return lang === 'en' ? `fm-${name}-en` : `fm-${name}`;
}
