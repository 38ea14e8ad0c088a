/** HTTP latency per route for /metrics, and the process's own metrics, through prom-client. */
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { App } from '../context.ts';

let processRegistry: Registry | undefined;

/**
 * CPU, memory, heap, event-loop lag, GC and handles of this process (prom-client's defaults). One
 * registry per process: they describe the process, however many apps it builds (tests build many).
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    // Gauges named like counters, which `promtool check metrics` refuses; the same counts are
    // reported by type as nodejs_active_handles, nodejs_active_requests, nodejs_active_resources.
    for (const name of [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ])
      processRegistry.removeSingleMetric(name);
  }
  return processRegistry;
}

export class HttpMetrics {
  readonly #registry = new Registry();
  readonly #duration = new Histogram({
    name: 'fm_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.#registry],
  });

  observe(method: string, route: string, status: number, ms: number): void {
    this.#duration.observe({ method, route, status_code: String(status) }, ms / 1000);
  }

  /** Prometheus text: the process's metrics, then HTTP's. */
  async text(): Promise<string> {
    return `${await processMetrics().metrics()}${await this.#registry.metrics()}`;
  }
}

export function registerHttpMetrics(app: App, metrics: HttpMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids would make a series per record.
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime);
  });
}
