/**
 * Clustered aedes, the way its maintainers document it (aedes README "Clusters", docs/Examples.md):
 * every node shares one message bus (mqemitter-redis: Redis PUBLISH/PSUBSCRIBE) and one persistence
 * (aedes-persistence-redis: sessions, QoS 1/2 queues, retained messages, wills). aedes itself does
 * the rest over that bus:
 * - a client id connecting on one node makes the node publish `$SYS/<node>/new/clients`, and any
 *   other node holding that id closes its session ([MQTT-3.1.4-2] across nodes);
 * - each node publishes `$SYS/<node>/heartbeat` every `heartbeatInterval`; every 4 intervals each
 *   node sends the stored wills of nodes silent for more than 3, so a dead node's devices still
 *   get their `offline` status [MQTT-3.1.2-8].
 */
import { randomInt, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Aedes, AedesOptions } from 'aedes';
import { Redis } from 'ioredis';
import mqemitterRedis from 'mqemitter-redis';
import type { Clock } from '../clock.ts';

export interface ClusterOptions {
  /** redis:// or rediss:// URL of the Redis every node shares. */
  redisUrl: string;
  /** aedes's heartbeatInterval: a node silent for 3 of these is dead for the others. */
  heartbeatMs: number;
}

/** The parts aedes takes for a cluster, and their lifecycle. */
export interface ClusterParts {
  /** This node's aedes id, unique per start (a restarted node must not inherit its wills as alive). */
  nodeId: string;
  mq: NonNullable<AedesOptions['mq']>;
  persistence: NonNullable<AedesOptions['persistence']>;
  /** Whether the node's connections to Redis (the bus's and the persistence's) are up. */
  connected(): boolean;
  /** Closes the persistence's connection (aedes.close closes the bus). */
  close(): Promise<void>;
}

/** ioredis options from a URL (the persistence takes no URL). */
function redisOptions(redisUrl: string) {
  const u = new URL(redisUrl);
  const db = Number(u.pathname.slice(1) || 0);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

/** How a node hears of its Redis: once when it is lost, once when it is back (not per retry). */
export interface RedisOutage {
  down(err: Error): void;
  up(): void;
}

/**
 * One report per outage for the node's three Redis connections (the bus's two, the persistence's
 * one). ioredis retries every connection by itself, up to every 2 s, and each failed attempt is an
 * 'error' event: logging them all would bury the log, and an unheard one is printed to stderr by
 * ioredis as "Unhandled error event".
 */
function outageWatch(conns: readonly Redis[], report: RedisOutage): (err: Error) => void {
  let down = false;
  const check = () => {
    if (down && conns.every((c) => c.status === 'ready')) {
      down = false;
      report.up();
    }
  };
  for (const c of conns) c.on('ready', check);
  return (err) => {
    if (down) return;
    down = true;
    report.down(err);
  };
}

/** The property a bus message carries to say which node put it on the bus. */
const ORIGIN = 'fmOrigin';

/** The node that emitted a message on the bus, or undefined for an untagged (single-node) one. */
export function originOf(message: object): string | undefined {
  return (message as Record<string, unknown>)[ORIGIN] as string | undefined;
}

/** A will as the persistence stores it: the packet, with the client and node it belongs to. */
export interface StoredWill {
  topic: string;
  clientId: string;
  brokerId: string;
}

type Persistence = NonNullable<AedesOptions['persistence']> & {
  destroy(): Promise<void>;
  streamWill(brokers: object): AsyncIterable<StoredWill>;
  delWill(client: { id: string; brokerId: string }): Promise<unknown>;
  addSubscriptions(client: object, subs: object[]): Promise<unknown>;
};

/**
 * The number a dead node's will is sent under. aedes sends it under the dead node's id (the stored
 * will's `brokerId`, which it deletes the will by afterwards) and numbers it from the sending node's
 * own counter, so it could share a number with one of the dead node's own messages, and a
 * subscriber that had that message would take the will for a copy of it (dedupe.ts). The dead node
 * never numbered this high; two survivors sending wills of the same node draw apart.
 */
function willCounter(): number {
  return 2 ** 52 + randomInt(2 ** 47);
}

/**
 * `screen` decides whether a will of another node may be sent by this one (aedes sends what
 * streamWill yields with no client, so past the ACL): refused wills are deleted, never sent.
 */
export function clusterParts(
  o: ClusterOptions,
  screen: (will: StoredWill) => Promise<boolean>,
  outage: RedisOutage,
): ClusterParts {
  const nodeId = randomUUID();
  const options = redisOptions(o.redisUrl);
  // The bus's subscribing connection skips ioredis's handshake (CLIENT SETINFO, then INFO as a
  // ready check). aedes subscribes while the node starts, a PSUBSCRIBE is written at once on a
  // connection still in that handshake, and the INFO after it is refused in subscriber mode: ioredis
  // 5.8-5.11 then drops and reconnects the connection, and a subscription made meanwhile could be
  // lost with it (ioredis#2037; seen as a node whose clients' SUBSCRIBEs were never answered).
  const subConn = new Redis({ ...options, enableReadyCheck: false, disableClientInfo: true });
  // Not concurrency-limited here: the delivery gate bounds what is in flight (gate.ts says why).
  const mq = mqemitterRedis({ ...options, subConn, concurrency: 0, matchEmptyLevels: true }); // [MQTT-4.7.1-3]
  const conns = mq as unknown as { subConn: Redis; pubConn: Redis };
  // The persistence's connection is ours, so that its errors are heard too.
  const db = new Redis(options);
  const onError = outageWatch([conns.subConn, conns.pubConn, db], outage);
  db.on('error', onError);
  // The bus reports Redis's errors on `state`; unheard, an 'error' event would end the process
  // (ioredis reconnects by itself, and /health says the node is down meanwhile).
  (mq as unknown as { state: import('node:events').EventEmitter }).state.on('error', onError);
  // Every message this node puts on the bus is tagged with the node, so that a node's services can
  // tell what its own clients published from what came from other nodes (ingest stores only the
  // former: each reading is stored once, by the node its device published on). aedes rebuilds the
  // packet for subscribers and persistence from its own fields, so the tag never leaves the bus.
  const emit = mq.emit.bind(mq);
  mq.emit = (message, callback) => emit({ ...message, [ORIGIN]: nodeId }, callback);
  // No type declarations ship with it; aedes 1.x calls its promise API.
  const require = createRequire(import.meta.url);
  const persistenceRedis = require('aedes-persistence-redis') as (opts: object) => Persistence;
  // It disconnects `conn` itself on destroy.
  const persistence = persistenceRedis({ conn: db });
  // aedes 1.x stores a SUBSCRIBE's whole list of filters once per filter, in parallel
  // (handlers/subscribe.js, storeSubscriptions). The shared persistence keys its wait for the
  // bus's echo by client and first filter, so of N such stores only one ever settles and a
  // persistent session subscribing to several filters in one SUBSCRIBE never got its SUBACK.
  // Calls for the same packet's list share one store.
  const addSubscriptions = persistence.addSubscriptions.bind(persistence);
  const storing = new WeakMap<object, Promise<unknown>>();
  persistence.addSubscriptions = (client: object, subs: object[]) => {
    const stored = storing.get(subs) ?? Promise.resolve(addSubscriptions(client, subs));
    storing.set(subs, stored);
    return stored;
  };
  const streamWill = persistence.streamWill.bind(persistence);
  persistence.streamWill = async function* screened(brokers: object) {
    for await (const will of streamWill(brokers)) {
      if (await screen(will)) yield { ...will, brokerCounter: willCounter() };
      else await persistence.delWill({ id: will.clientId, brokerId: will.brokerId });
    }
  };
  let closed = false;
  return {
    nodeId,
    mq,
    persistence,
    connected: () => [conns.subConn, conns.pubConn, db].every((c) => c.status === 'ready'),
    close: async () => {
      if (closed) return;
      closed = true;
      await persistence.destroy().catch(() => {});
    },
  };
}

/** A ban list a node shares: told of its own bans, and given the other nodes'. */
interface SharedBans {
  onBan: (key: string, forMs: number) => void;
  ban(key: string, now: number, forMs: number): void;
}

/**
 * Bans hold on every node: each node counts flapping and failed authentications itself, and a ban
 * it imposes is published on the shared bus (`$SYS/<node>/fm/bans`) and imposed by every other
 * node for the same time (EMQX's flapping detection also counts per node and bans cluster-wide).
 * A device or an address banned on one node cannot carry on through another behind the balancer.
 */
export async function shareBans(
  aedes: Aedes,
  nodeId: string,
  lists: Record<string, SharedBans>,
  now: Clock,
): Promise<void> {
  const topic = `$SYS/${nodeId}/fm/bans`;
  for (const [list, bans] of Object.entries(lists)) {
    bans.onBan = (key, forMs) =>
      aedes.publish(
        {
          cmd: 'publish',
          topic,
          payload: Buffer.from(JSON.stringify({ list, key, forMs })),
          qos: 0,
          retain: false,
          dup: false,
        },
        () => {},
      );
  }
  const imposed = (packet: { topic: string; payload: Buffer | string }, done: () => void) => {
    if (packet.topic !== topic) {
      try {
        const ban = JSON.parse(packet.payload.toString()) as {
          list?: unknown;
          key?: unknown;
          forMs?: unknown;
        };
        const bans = typeof ban.list === 'string' ? lists[ban.list] : undefined;
        if (bans && typeof ban.key === 'string' && typeof ban.forMs === 'number')
          bans.ban(ban.key, now(), Math.min(ban.forMs, 24 * 3_600_000));
      } catch {
        // Not one of ours: nothing to impose.
      }
    }
    done();
  };
  await new Promise<void>((resolve, reject) =>
    aedes.subscribe('$SYS/+/fm/bans', imposed, ((err?: Error) =>
      err ? reject(err) : resolve()) as () => void),
  );
}

/**
 * Which node each client id last connected to, as the nodes announce it on the bus (aedes's own
 * `$SYS/<node>/new/clients`, the notice that ends an older session elsewhere [MQTT-3.1.4-2]). A
 * dead node's will for a client that has connected to another node since is stale: the device is
 * back, and its will, sent seconds later, would leave `offline` retained for a device that is online
 * (and the rules holding it offline). Forgotten on a clean disconnect, whose will is deleted anyway.
 */
export async function followConnections(aedes: Aedes): Promise<(clientId: string) => string | undefined> {
  const latest = new Map<string, string>();
  const follow = (packet: { topic: string; payload: Buffer | string }, done: () => void) => {
    const [, node, what] = packet.topic.split('/');
    const clientId = packet.payload.toString();
    if (node && what === 'new') latest.set(clientId, node);
    else if (node && latest.get(clientId) === node) latest.delete(clientId);
    done();
  };
  for (const filter of ['$SYS/+/new/clients', '$SYS/+/disconnect/clients'])
    await new Promise<void>((resolve, reject) =>
      aedes.subscribe(filter, follow, ((err?: Error) => (err ? reject(err) : resolve())) as () => void),
    );
  return (clientId) => latest.get(clientId);
}
