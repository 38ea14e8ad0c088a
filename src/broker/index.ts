import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import { type Clock, systemClock } from '../clock.ts';
import type { ServiceHealth } from '../health.ts';
import type { Logger } from '../log.ts';
import type { MetricFamily } from '../metrics.ts';
import type { DeviceDirectory } from '../records/index.ts';
import { createAcl, orphanWillAllowed } from './acl.ts';
import { createAuthenticate } from './auth.ts';
import { FailureBans, FlapDetector } from './bans.ts';
import { type ClusterParts, clusterParts, followConnections, originOf, shareBans } from './cluster.ts';
import { connackSent, holdUntilConnack } from './connack-first.ts';
import { type BrokerCounters, BrokerStats, type RefusalReason } from './counters.ts';
import { dedupeExactly, queueOnceBesideLive } from './dedupe.ts';
import { CONNECT_TIMEOUT_MS, guardConnection, remoteAddress } from './framing.ts';
import { DeliveryGate } from './gate.ts';
import { type Address, type Listener, listenTcp, listenTls, listenWebSocket } from './listeners.ts';
import { brokerMetrics } from './metrics.ts';
import type { BrokerOptions } from './options.ts';
import { watchSessions } from './sessions.ts';

export type { BrokerCounters, DropReason, RefusalReason } from './counters.ts';
export { FrameGuard } from './framing.ts';
export { type BrokerOptions, brokerOptionsFromConfig } from './options.ts';

export interface BrokerDeps {
  options: BrokerOptions;
  log: Logger;
  /** The device registry: read at every device CONNECT, so a revoked device is refused next time. */
  devices: DeviceDirectory;
  /** Password of the `service.<name>` accounts. */
  serviceSecret: string;
  /** Wall clock for bans and rate buckets; tests pass a fake one. */
  now?: Clock;
}

/** A message as the broker's bus carries it. Read-only: the same object goes to every subscriber. */
export interface BusMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1 | 2;
}

/**
 * In-process subscriptions to the broker's message bus, for a service running in the broker's
 * process: no socket, no MQTT framing, no second parse. `deliver` is called for each message that
 * matches `filter` (MQTT wildcards); the message stays in delivery, holding a place in the
 * broker's delivery gate, until `done` is called, so a slow subscriber slows the publishers down
 * the same way a slow socket does. The broker has already acknowledged a QoS 1 publish before it
 * is delivered (aedes sends PUBACK first), as for network subscribers.
 */
export interface LocalBus {
  /**
   * Resolves once the subscription is active, with the function that ends it. `localOnly`: on a
   * clustered broker, only messages this node put on the shared bus (its own clients' publishes,
   * and the wills it sends); the rest are completed unseen. Alone, every message is local.
   */
  subscribe(
    filter: string,
    deliver: (message: BusMessage, done: () => void) => void,
    options?: { localOnly?: boolean },
  ): Promise<() => Promise<void>>;
}

export interface Broker {
  addresses: { tcp: Address; ws: Address; tls?: Address };
  bus: LocalBus;
  counters(): BrokerCounters;
  /** The counters as Prometheus families. */
  metrics(): MetricFamily[];
  /** `down` when a listener has stopped accepting connections, or a cluster's Redis is unreachable. */
  health(): ServiceHealth;
  /** This node's id on a clustered broker's shared bus; undefined alone. */
  nodeId?: string;
  stop(): Promise<void>;
}

/** The platform's MQTT broker: aedes with device authentication, topic ACL and limits. */
export async function startBroker({
  options,
  log,
  devices,
  serviceSecret,
  now = systemClock,
}: BrokerDeps): Promise<Broker> {
  const stats = new BrokerStats(log);
  const bans = {
    flapConnects: options.flapConnects,
    authFailures: options.authFailures,
    windowMs: options.flapWindowMs,
    banMs: options.flapBanMs,
  };
  const flapping = new FlapDetector(bans);
  const failures = new FailureBans(bans);
  // A dead node's wills are sent by a survivor only as far as the registry allows their device, and
  // not for a client that has connected to another node since (followConnections says why).
  let connectedTo: ((clientId: string) => string | undefined) | undefined;
  const screenWill = async (will: { topic: string; clientId: string; brokerId: string }) => {
    const now = connectedTo?.(will.clientId);
    if (now && now !== will.brokerId) {
      log.info({ clientId: will.clientId, node: now }, "a dead node's will not sent: its client is back");
      return false;
    }
    const ok = await orphanWillAllowed(will.topic, will.clientId, devices);
    if (!ok) stats.refuse('will-denied', will.clientId, { topic: will.topic.slice(0, 200) });
    return ok;
  };
  const cluster: ClusterParts | undefined =
    options.cluster &&
    clusterParts(options.cluster, screenWill, {
      down: (err) => log.error({ err: err.message }, "lost the cluster's Redis; reconnecting"),
      up: () => log.info("the cluster's Redis is back"),
    });
  const gate = new DeliveryGate(
    undefined,
    () => stats.counters.overloadDelayed++,
    (m) => stats.refuse('bad-qos', undefined, { topic: m.topic.slice(0, 200), qos: m.qos }),
    cluster?.mq,
  );
  let aedes: Aedes;
  try {
    aedes = await Aedes.createBroker({
      ...(cluster && {
        id: cluster.nodeId,
        persistence: cluster.persistence,
        heartbeatInterval: options.cluster?.heartbeatMs,
      }),
      mq: gate.mq,
      preConnect: (client, _packet, callback) => {
        // First, so the copy check runs when a held delivery is finally handed over.
        dedupeExactly(client);
        holdUntilConnack(client, options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);
        callback(null, true);
      },
      concurrency: gate.limit, // only sizes aedes's per-socket listener limit once `mq` is given
      authenticate: createAuthenticate({
        devices,
        serviceSecret,
        stats,
        flapping,
        failures,
        log,
        now,
        tarpitMs: options.tarpitMs,
      }),
      ...createAcl({
        stats,
        deviceRate: options.deviceRate,
        outboundQueueBytes: options.outboundQueueBytes,
        now,
        admit: (go) => gate.admit(go),
      }),
      maxTopicLevels: options.maxTopicLevels,
      // Device ids are up to 64 characters, service client ids a little longer.
      maxClientsIdLength: 128,
      // A subscriber whose socket stays full this long is disconnected rather than stalling delivery.
      drainTimeout: 10_000,
      connectTimeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    });
  } catch (err) {
    await new Promise((r) => gate.mq.close(r as () => void));
    await cluster?.close();
    throw err;
  }
  queueOnceBesideLive(
    (aedes as unknown as { persistence: Parameters<typeof queueOnceBesideLive>[0] }).persistence,
  );
  if (cluster) {
    await shareBans(aedes, cluster.nodeId, { flap: flapping, failure: failures }, now);
    connectedTo = await followConnections(aedes);
    log.info({ node: cluster.nodeId }, 'broker node joined the cluster on Redis');
  }

  // aedes reports what fails outside any client's packet here (a cluster's persistence or the wills
  // of a dead node when Redis is unreachable); unheard, an 'error' event would end the process.
  (aedes as unknown as import('node:events').EventEmitter).on('error', (err: Error) =>
    log.error({ err: err.message }, 'broker error'),
  );
  aedes.on('connackSent', (_connack, client: Client) => connackSent(client));
  aedes.on('client', () => {
    stats.counters.connects++;
    stats.counters.clientsConnected++;
  });
  aedes.on('clientDisconnect', () => {
    stats.counters.clientsConnected--;
  });
  aedes.on('publish', (packet, client: Client | null) => {
    if (!client) return;
    stats.counters.messagesIn++;
    stats.counters.bytesIn += packet.payload.length;
  });
  aedes.on('clientError', (client: Client, err: Error) => {
    // aedes refuses deeper topics itself (its matcher caps at 100 levels); count it like our refusals.
    if (/too many levels/.test(err.message)) stats.refuse('topic-too-deep', client.id);
    // aedes's words for a packet it could not write to this subscriber: the subscriber is
    // disconnected, so a message that can never be written must not pass unseen.
    else if (err.message === 'packet received not valid') stats.drop('delivery-failed', client.id);
    else log.debug({ clientId: client.id, err: err.message }, 'client error');
  });
  aedes.on('connectionError', (client: Client, err: Error) => {
    // aedes closes a connection that sends no CONNECT within `connectTimeout`.
    if (err.message === 'connect did not arrive in time')
      stats.refuse('connect-timeout', undefined, { remote: remoteAddress(client.conn, client.req) });
    else log.debug({ err: err.message }, 'connection error');
  });

  const handle = (conn: import('node:stream').Duplex, req?: import('node:http').IncomingMessage) => {
    guardConnection(conn, req, options.maxPacketBytes, (reason, id, detail) =>
      stats.refuse(reason, id, detail),
    );
    aedes.handle(conn, req);
  };

  const bus: LocalBus = {
    subscribe: (filter, deliver, { localOnly = false } = {}) =>
      new Promise((resolve, reject) => {
        const listener = (packet: AedesPublishPacket, done: () => void) =>
          localOnly && cluster && originOf(packet) !== cluster.nodeId
            ? done()
            : // Publishes from sockets carry Buffers; only in-process publishes could carry a string.
              deliver(
                Buffer.isBuffer(packet.payload)
                  ? (packet as BusMessage)
                  : { ...packet, payload: Buffer.from(packet.payload) },
                done,
              );
        aedes.subscribe(filter, listener, ((err?: Error) => {
          if (err) reject(err);
          else resolve(() => new Promise<void>((r) => aedes.unsubscribe(filter, listener, r)));
        }) as () => void); // aedes passes an error for a filter with too many levels
      }),
  };

  const listeners: Listener[] = [];
  let sessions: Awaited<ReturnType<typeof watchSessions>> | undefined;
  const stop = async () => {
    await sessions?.stop();
    for (const l of listeners.toReversed()) await l.close();
    // aedes acknowledges a QoS 1 publish first and hands it to the bus a turn of the event loop
    // later: let those reach the subscribers, and their deliveries finish, before the bus closes.
    for (let turn = 0; turn < 2; turn++) await new Promise((r) => setImmediate(r));
    await gate.idle(10_000);
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await cluster?.close();
    stats.stop();
  };
  try {
    sessions = await watchSessions({ aedes, devices, stats, log, everyMs: options.sessionCheckMs ?? 2000 });
    const refuse = (reason: RefusalReason, detail: Record<string, unknown>) =>
      stats.refuse(reason, undefined, detail);
    const proxy = options.proxyProtocol
      ? { timeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, refuse }
      : undefined;
    const tcp = await listenTcp(options.host, options.tcpPort, handle, proxy);
    listeners.push(tcp);
    const ws = await listenWebSocket(
      options.host,
      options.wsPort,
      options.maxPacketBytes,
      handle,
      refuse,
      proxy,
    );
    listeners.push(ws);
    const tls = options.tls
      ? await listenTls(options.host, options.tlsPort, options.tls, handle, refuse, proxy)
      : undefined;
    if (tls) listeners.push(tls);
    const addresses = { tcp: tcp.address, ws: ws.address, tls: tls?.address };
    const counters = () => ({ ...stats.snapshot(), clientsConnected: aedes.connectedClients });
    log.info({ ...addresses, proxyProtocol: proxy !== undefined }, 'broker listening');
    return {
      addresses,
      bus,
      counters,
      metrics: () => brokerMetrics(counters()),
      nodeId: cluster?.nodeId,
      health: () => {
        if (cluster && !cluster.connected())
          return { status: 'down', detail: "no connection to the cluster's Redis (FM_REDIS_URL)" };
        const closed = listeners
          .filter((l) => !l.listening())
          .map((l) => `${l.address.host}:${l.address.port}`);
        return closed.length === 0
          ? { status: 'ok' }
          : { status: 'down', detail: `not listening on ${closed.join(', ')}` };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
// The credential check and topic policy, for the other brokers' integrations (api/emqx.ts, mosquitto/).
export { type CheckCredentials, createCredentialCheck, type Verdict } from './identity.ts';
export {
  devicePrincipal,
  deviceTopics,
  mayPublish,
  maySubscribe,
  type Principal,
  SERVICE_PUBLISH_FILTER,
  SERVICE_SUBSCRIBE_FILTERS,
  SERVICE_USER,
  serviceClientIdFits,
} from './permissions.ts';
