/** Statistics as JSON (dates as ISO strings) and CSV (headings in the configured language). */
import { type Lang, label, STAT_LABELS, STATE_LABELS } from './i18n.ts';
import { RATE_NAMES, type SiteStats } from './stats.ts';

export function statsJson(s: SiteStats, lang: Lang) {
  return {
    ...s,
    from: s.from.toISOString(),
    to: s.to.toISOString(),
    rates: Object.fromEntries(
      RATE_NAMES.map((n) => [n, { ...s.rates[n], label: label(STAT_LABELS, n, lang) }]),
    ),
    steps: s.steps.map((t) => ({ ...t, label: label(STATE_LABELS, t.state, lang) })),
  };
}

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
function field(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One table: a row per rate, then a row per step; rates to four decimals, an empty rate is blank. */
export function statsCsv(s: SiteStats, lang: Lang): string {
  const l = (k: string) => label(STAT_LABELS, k, lang);
  const head = [
    'key',
    l('metric'),
    l('numerator'),
    l('denominator'),
    l('rate'),
    l('count'),
    l('meanS'),
    l('p90S'),
  ];
  const rows: (string | number | null)[][] = [head];
  for (const n of RATE_NAMES) {
    const r = s.rates[n];
    rows.push([
      n,
      l(n),
      r.numerator,
      r.denominator,
      r.rate === null ? null : Number(r.rate.toFixed(4)),
      null,
      null,
      null,
    ]);
  }
  // Escalations of unacknowledged notifications (docs/notifications.md): a count, like the steps'.
  rows.push(['notifyEscalations', l('notifyEscalations'), null, null, null, s.notifyEscalations, null, null]);
  for (const t of s.steps) {
    rows.push([
      `step:${t.state}`,
      label(STATE_LABELS, t.state, lang),
      null,
      null,
      null,
      t.count,
      t.meanS,
      t.p90S,
    ]);
  }
  return `${rows.map((r) => r.map(field).join(',')).join('\r\n')}\r\n`;
}
