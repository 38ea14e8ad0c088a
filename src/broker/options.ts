import type { ClusterOptions } from './cluster.ts';

/** Everything the broker can be told; `brokerOptionsFromConfig` maps the FM_MQTT_* settings. */
export interface BrokerOptions {
  /** Interface for every listener; 127.0.0.1 unless an operator widens it. */
  host: string;
  /** MQTT over TCP; 0 picks a free port (tests). */
  tcpPort: number;
  /** MQTT over WebSocket at path /mqtt; 0 picks a free port. */
  wsPort: number;
  /** MQTT over TLS; only when `tls` is set. */
  tlsPort: number;
  /** PEM certificate and key (contents, not paths). */
  tls?: { cert: string; key: string };
  /** Largest MQTT packet (fixed header included) before the connection is closed. */
  maxPacketBytes: number;
  /** Most `/`-separated levels in a topic (aedes refuses deeper ones; its matcher caps at 100). */
  maxTopicLevels: number;
  /** Sustained publishes per second per device; bursts up to twice that. */
  deviceRate: number;
  /** Authenticated connects of one client id within `flapWindowMs` that trigger a ban. */
  flapConnects: number;
  /** Failed authentications from one address within `flapWindowMs` that trigger a ban of its failures. */
  authFailures: number;
  flapWindowMs: number;
  flapBanMs: number;
  /** Bytes waiting to be written to one subscriber beyond which QoS 0 messages to it are dropped. */
  outboundQueueBytes: number;
  /** How often the registry's revocations and rotations are read to end live sessions. */
  sessionCheckMs?: number;
  /** A connection that sends no CONNECT within this is closed and counted; 30 s unless set (tests). */
  connectTimeoutMs?: number;
  /** How late a failed authentication from a banned address is answered; TARPIT_MS unless set (tests). */
  tarpitMs?: number;
  /** Clustered with other nodes over a shared Redis (cluster.ts); unset: alone, in memory. */
  cluster?: ClusterOptions;
  /**
   * Every listener (TCP, TLS, WebSocket) sits behind a load balancer that starts each connection
   * with a PROXY protocol header (v1 or v2) naming the client: the header is required, and its
   * address is the client's for the bans and the log (proxied.ts). Never set without such a proxy.
   */
  proxyProtocol?: boolean;
}

/** The FM_MQTT_* settings the broker reads; the entry point's Config satisfies it structurally. */
export interface BrokerConfig {
  FM_MQTT_HOST: string;
  FM_MQTT_PORT: number;
  FM_MQTT_WS_PORT: number;
  FM_MQTT_TLS_PORT: number;
  FM_MQTT_TLS_CERT?: string;
  FM_MQTT_TLS_KEY?: string;
  FM_MQTT_MAX_PACKET_BYTES: number;
  FM_MQTT_MAX_TOPIC_LEVELS: number;
  FM_MQTT_DEVICE_RATE: number;
  FM_MQTT_FLAP_CONNECTS: number;
  FM_MQTT_AUTH_FAILURES: number;
  FM_MQTT_FLAP_WINDOW_S: number;
  FM_MQTT_FLAP_BAN_S: number;
  FM_MQTT_OUTBOUND_QUEUE_BYTES: number;
  FM_REDIS_URL?: string;
  FM_BROKER_HEARTBEAT_S: number;
  FM_MQTT_PROXY_PROTOCOL: boolean;
}

export function brokerOptionsFromConfig(
  config: BrokerConfig,
  readFile: (path: string) => string,
): BrokerOptions {
  return {
    host: config.FM_MQTT_HOST,
    tcpPort: config.FM_MQTT_PORT,
    wsPort: config.FM_MQTT_WS_PORT,
    tlsPort: config.FM_MQTT_TLS_PORT,
    tls:
      config.FM_MQTT_TLS_CERT && config.FM_MQTT_TLS_KEY
        ? { cert: readFile(config.FM_MQTT_TLS_CERT), key: readFile(config.FM_MQTT_TLS_KEY) }
        : undefined,
    maxPacketBytes: config.FM_MQTT_MAX_PACKET_BYTES,
    maxTopicLevels: config.FM_MQTT_MAX_TOPIC_LEVELS,
    deviceRate: config.FM_MQTT_DEVICE_RATE,
    flapConnects: config.FM_MQTT_FLAP_CONNECTS,
    authFailures: config.FM_MQTT_AUTH_FAILURES,
    flapWindowMs: config.FM_MQTT_FLAP_WINDOW_S * 1000,
    flapBanMs: config.FM_MQTT_FLAP_BAN_S * 1000,
    outboundQueueBytes: config.FM_MQTT_OUTBOUND_QUEUE_BYTES,
    cluster: config.FM_REDIS_URL
      ? { redisUrl: config.FM_REDIS_URL, heartbeatMs: config.FM_BROKER_HEARTBEAT_S * 1000 }
      : undefined,
    proxyProtocol: config.FM_MQTT_PROXY_PROTOCOL,
  };
}
