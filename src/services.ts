import type { Broker } from './broker/index.ts';
import type { ServiceHealth, ServiceProbe } from './health.ts';
import type { Logger } from './log.ts';
import type { MetricFamily } from './metrics.ts';

/**
 * Which of the platform's services one process runs (`facility start --only`). Every service can
 * run alone, so each can be scaled out and restarted on its own; without `--only` one process
 * runs them all, as before.
 */
export const SERVICES = ['broker', 'ingest', 'rules', 'api'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The services named in a comma list, or the problem with it, said for the command line. */
export function parseServices(list: string): { services: ReadonlySet<ServiceName> } | { problem: string } {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) return { problem: `--only needs a comma list of services: ${SERVICES.join(',')}` };
  const unknown = names.filter((n) => !(SERVICES as readonly string[]).includes(n));
  if (unknown.length > 0)
    return {
      problem: `--only: unknown service ${unknown.join(', ')}; the services are ${SERVICES.join(',')}`,
    };
  return { services: new Set(names as ServiceName[]) };
}

/**
 * Why this selection cannot run with this configuration, or undefined. Ingest and rules read the
 * broker's bus in its process; without the broker beside them they need one to connect to.
 */
export function selectionProblem(
  services: ReadonlySet<ServiceName>,
  config: { FM_MQTT_URL?: string },
): string | undefined {
  if (services.has('broker') || config.FM_MQTT_URL) return undefined;
  const clients = [...services].filter((s) => s === 'ingest' || s === 'rules');
  if (clients.length === 0) return undefined;
  return `FM_MQTT_URL=null: ${clients.join(' and ')} without the broker in this process connect to a broker: set FM_MQTT_URL (the broker nodes, or their load balancer)`;
}

/**
 * Why FM_INGEST_COPY cannot be used with this configuration, or undefined. Without FM_MQTT_URL
 * ingest reads the platform broker's bus in its process, and that broker (aedes) has no shared
 * subscriptions: it would refuse `$share/...` anyway (docs/broker.md).
 */
export function ingestCopyProblem(c: { FM_INGEST_COPY?: string; FM_MQTT_URL?: string }): string | undefined {
  if (!c.FM_INGEST_COPY || c.FM_MQTT_URL) return undefined;
  return `FM_INGEST_COPY=${JSON.stringify(c.FM_INGEST_COPY)}: ingest copies share the readings through shared subscriptions ($share/ingest/...) of mosquitto 2 or EMQX, and need FM_MQTT_URL pointing at one; the platform's own broker has none (with clustered broker nodes run one ingest per node instead, docs/deploy.md). Set FM_MQTT_URL or unset FM_INGEST_COPY`;
}

export function missingBroker(service: string): never {
  throw new Error(`${service} has no broker to connect to: run the broker beside it or set FM_MQTT_URL`);
}

/** The summary's lines for the broker's listeners (and its cluster, when clustered). */
export function brokerLines(broker: Broker): string[] {
  const { tcp, ws, tls } = broker.addresses;
  return [
    `  MQTT (TCP)        mqtt://${tcp.host}:${tcp.port}`,
    `  MQTT (WebSocket)  ws://${ws.host}:${ws.port}/mqtt`,
    ...(tls ? [`  MQTT (TLS)        mqtts://${tls.host}:${tls.port}`] : []),
    ...(broker.nodeId ? [`  broker node       ${broker.nodeId}, clustered on Redis (FM_REDIS_URL)`] : []),
  ];
}

/** `/health` and `/metrics` speak for the services this process runs, and only those. */
export function probes(
  running: Record<string, { health(): ServiceHealth; metrics(): MetricFamily[] } | undefined>,
): ServiceProbe[] {
  return Object.entries(running).flatMap(([name, s]) =>
    s ? [{ name, health: () => s.health(), metrics: () => s.metrics() }] : [],
  );
}

export interface Running {
  name: string;
  stop(): Promise<void>;
}

/**
 * The order services stop in, first to last (they start in the order startServices lists them:
 * records, desk, broker, ingest, rules, API, simulator). The API first, so no request finds a
 * service gone; rules before the simulated devices, whose farewell `offline` statuses must not
 * look like a site-wide outage to it. On the broker's bus ingest stops right after the broker:
 * what devices publish until the broker closes (acknowledged on receipt, with no session to keep
 * it) still reaches ingest and is stored. The records store last: the desk and rules write to it.
 */
export function stopOrder(ingestOnBus: boolean): readonly string[] {
  const first = ['demo-faults', 'api', 'commands', 'rules'];
  const last = ['desk', 'notify', 'records'];
  return ingestOnBus
    ? [...first, 'simulator', 'broker', 'ingest', ...last]
    : [...first, 'ingest', 'simulator', 'broker', ...last];
}

/** Stops what is running in `order`; a failing stop is logged and the rest still stop. */
export async function stopAll(running: Running[], order: readonly string[], log: Logger): Promise<void> {
  const rank = (r: Running) => order.indexOf(r.name);
  for (const service of running.toSorted((a, b) => rank(a) - rank(b))) {
    const started = performance.now();
    try {
      await service.stop();
      log.debug({ service: service.name, ms: Math.round(performance.now() - started) }, 'stopped');
    } catch (err) {
      log.error({ err, service: service.name }, 'failed to stop cleanly');
    }
  }
}
