/**
 * What Grafana does to a query before sending it, for the dashboard tests: template variables
 * formatted the way the InfluxDB, SQL and Prometheus datasources format them, and the time macros
 * expanded. (Grafana: public/app/features/templating, the influxdb, grafana-sql and prometheus
 * datasources.)
 */

export type Dialect = 'influxdb' | 'sql' | 'prometheus';

export interface Resolved {
  /** Selected values; for "All" every value of the variable's query. */
  values: string[];
  multi: boolean;
  /** "All" selected and the variable has a custom all value: that value, unquoted. */
  allValue?: string;
}

export interface Range {
  from: Date;
  to: Date;
  /** `$__interval`, e.g. `10s`. */
  interval: string;
  /** `$__rate_interval` (Prometheus): at least four scrape intervals. */
  rateInterval?: string;
}

const regexEscape = (v: string) => v.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
const sqlQuote = (v: string) => `'${v.replace(/'/g, "''")}'`;

function format(v: Resolved, dialect: Dialect, fmt: string | undefined): string {
  if (v.allValue !== undefined) return v.allValue;
  // Prometheus puts multi values into `=~` matchers as a regex, like InfluxDB.
  if (fmt === 'regex' || (dialect !== 'sql' && v.multi)) {
    // In a PromQL string literal the regex's backslashes are escaped once more.
    const escaped = v.values.map((x) =>
      dialect === 'prometheus' ? regexEscape(x).replace(/\\/g, '\\\\') : regexEscape(x),
    );
    return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
  }
  if (dialect === 'sql' && v.multi) return v.values.map(sqlQuote).join(',');
  return v.values.join(',');
}

/** The query text as Grafana would send it. Unknown variables are left alone (and then fail). */
export function interpolate(
  text: string,
  dialect: Dialect,
  vars: Record<string, Resolved>,
  range: Range,
): string {
  const iso = (d: Date) => `'${d.toISOString()}'`;
  let out = text
    .replaceAll('$timeFilter', `time >= ${range.from.getTime()}ms and time <= ${range.to.getTime()}ms`)
    .replaceAll('$__rate_interval', range.rateInterval ?? range.interval)
    .replaceAll('$__interval', range.interval)
    .replace(
      /\$__timeFilter\(([^)]+)\)/g,
      (_, col: string) => `${col} BETWEEN ${iso(range.from)} AND ${iso(range.to)}`,
    )
    .replaceAll('$__timeFrom()', iso(range.from))
    .replaceAll('$__timeTo()', iso(range.to));
  out = out.replace(
    /\$\{(\w+)(?::(\w+))?\}|\$(\w+)/g,
    (whole, braced?: string, fmt?: string, bare?: string) => {
      const v = vars[(braced ?? bare)!];
      return v ? format(v, dialect, fmt) : whole;
    },
  );
  return out;
}
