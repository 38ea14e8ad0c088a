/**
 * Metrics a service reports, in Prometheus's terms, without depending on a metrics library: the
 * API renders them beside prom-client's process metrics. Base units (seconds, bytes), `_total` on
 * counters, kinds and reasons as labels, never in names (docs/api.md, Operations).
 */
export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface HistogramSnapshot {
  /** Cumulative counts per upper bound, in seconds; +Inf is `count`. */
  buckets: [le: number, count: number][];
  sum: number;
  count: number;
}

export type MetricFamily =
  | { name: string; help: string; type: 'counter' | 'gauge'; samples: Sample[] }
  | { name: string; help: string; type: 'histogram'; histogram: HistogramSnapshot };

/** A latency histogram with fixed bounds: O(buckets) per observation, no allocation. */
export class Histogram {
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.#counts = new Array<number>(bounds.length).fill(0);
  }

  observe(seconds: number): void {
    this.#sum += seconds;
    this.#count++;
    for (let i = 0; i < this.bounds.length; i++) if (seconds <= this.bounds[i]!) this.#counts[i]!++;
  }

  snapshot(): HistogramSnapshot {
    return {
      buckets: this.bounds.map((le, i) => [le, this.#counts[i]!]),
      sum: this.#sum,
      count: this.#count,
    };
  }
}

/** A counter or gauge family from a record of label value -> number (`{}` gives no samples). */
export function labelled(
  name: string,
  help: string,
  type: 'counter' | 'gauge',
  label: string,
  values: Readonly<Record<string, number>>,
): MetricFamily {
  return {
    name,
    help,
    type,
    samples: Object.entries(values).map(([k, value]) => ({ labels: { [label]: k }, value })),
  };
}

/** A family of one unlabelled sample. */
export function single(name: string, help: string, type: 'counter' | 'gauge', value: number): MetricFamily {
  return { name, help, type, samples: [{ value }] };
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labelText(labels: Record<string, string> | undefined, extra?: [string, string]): string {
  const pairs = Object.entries(labels ?? {});
  if (extra) pairs.push(extra);
  return pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/** Prometheus text exposition format 0.0.4. */
export function renderFamilies(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type === 'histogram') {
      const h = f.histogram;
      for (const [le, n] of h.buckets) out.push(`${f.name}_bucket{le="${le}"} ${n}`);
      out.push(
        `${f.name}_bucket{le="+Inf"} ${h.count}`,
        `${f.name}_sum ${h.sum}`,
        `${f.name}_count ${h.count}`,
      );
    } else for (const s of f.samples) out.push(`${f.name}${labelText(s.labels)} ${s.value}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
