/** What a record carries to show why it was raised: the readings window and a link to the graphs. */
import { dashboardUid } from '../dashboard-uids.ts';
import type { Kind, Lang } from '../protocol/index.ts';

export interface Reading {
  ts: number;
  data: Record<string, unknown>;
}

/** Readings kept per device for evidence; at the usual 10-60 s intervals this is minutes of history. */
export const READINGS_KEPT = 12;
/** The graph link spans this much either side of the fault's start. */
const LINK_MARGIN_MS = 15 * 60_000;

/** The kind's device dashboard (src/dashboards) in `lang`, showing this device around `at`. */
export function grafanaLink(
  base: string,
  kind: Kind,
  site: string,
  deviceId: string,
  at: number,
  lang: Lang,
): string {
  const q = new URLSearchParams({
    'var-site': site,
    'var-device': deviceId,
    from: String(at - LINK_MARGIN_MS),
    to: String(at + LINK_MARGIN_MS),
  });
  return `${base.replace(/\/+$/, '')}/d/${dashboardUid(kind, lang)}?${q.toString()}`;
}

/** The readings around `since`, trimmed to the fields the rule looked at. */
export function readingsWindow(
  readings: readonly Reading[],
  since: number,
  fields?: readonly string[],
): unknown[] {
  const from = since - 5 * 60_000;
  return readings
    .filter((r) => r.ts >= from)
    .slice(-10)
    .map((r) => {
      const data = fields
        ? Object.fromEntries(fields.filter((f) => f in r.data).map((f) => [f, r.data[f]]))
        : { ...r.data };
      delete (data as Record<string, unknown>).seq;
      delete (data as Record<string, unknown>).ts;
      return { at: new Date(r.ts).toISOString(), ...data };
    });
}
