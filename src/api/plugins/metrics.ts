/** HTTP request counters for /metrics: count and total duration per method, route and status. */
import type { App } from '../context.ts';

const BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500] as const;

interface Series {
  method: string;
  route: string;
  status: number;
  count: number;
  sumMs: number;
}

export class HttpMetrics {
  private readonly series = new Map<string, Series>();
  /** Cumulative counts per bucket (all routes), the last one +Inf. */
  private readonly buckets = new Array<number>(BUCKETS_MS.length + 1).fill(0);
  private count = 0;
  private sumMs = 0;

  observe(method: string, route: string, status: number, ms: number): void {
    const key = `${method} ${route} ${status}`;
    let s = this.series.get(key);
    if (!s) {
      s = { method, route, status, count: 0, sumMs: 0 };
      this.series.set(key, s);
    }
    s.count += 1;
    s.sumMs += ms;
    this.count += 1;
    this.sumMs += ms;
    const i = BUCKETS_MS.findIndex((b) => ms <= b);
    for (let j = i === -1 ? BUCKETS_MS.length : i; j <= BUCKETS_MS.length; j++) this.buckets[j]! += 1;
  }

  /** Prometheus text exposition lines. */
  lines(): string[] {
    const out = [
      '# HELP fm_http_requests_total HTTP requests answered, by method, route and status.',
      '# TYPE fm_http_requests_total counter',
    ];
    const label = (s: Series) => `method="${s.method}",route="${s.route}",status="${s.status}"`;
    for (const s of this.series.values()) out.push(`fm_http_requests_total{${label(s)}} ${s.count}`);
    out.push(
      '# HELP fm_http_request_duration_seconds Time to answer HTTP requests.',
      '# TYPE fm_http_request_duration_seconds histogram',
    );
    BUCKETS_MS.forEach((b, i) => {
      out.push(`fm_http_request_duration_seconds_bucket{le="${b / 1000}"} ${this.buckets[i]}`);
    });
    out.push(
      `fm_http_request_duration_seconds_bucket{le="+Inf"} ${this.buckets[BUCKETS_MS.length]}`,
      `fm_http_request_duration_seconds_sum ${this.sumMs / 1000}`,
      `fm_http_request_duration_seconds_count ${this.count}`,
    );
    return out;
  }
}

export function registerHttpMetrics(app: App, metrics: HttpMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids would make a series per record.
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime);
  });
}
