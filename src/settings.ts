import { z } from 'zod';
import { receiversSetting, smsTemplateSetting } from './notify/index.ts';

/**
 * Every setting the platform reads, in one table: its environment variable, schema, default and
 * meaning; `secret` ones are never printed (nor is the password of any URL). The entry point parses this once; docs/configuration.md is checked against it.
 */
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalText = z.string().min(1).optional();

/**
 * A URL of one of `schemes`. A refusal says what is expected (zod's own says only "Invalid URL")
 * and never repeats the value, which may carry a password. `noCredentials` refuses a user or
 * password in the URL, saying where they go instead: such URLs end up in logs and links.
 */
function url(schemes: readonly string[], example: string, noCredentials?: string) {
  const names = schemes.map((s) => `${s}://`);
  const use = `use ${names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names[0]}, e.g. ${example}`;
  return z.string().superRefine((value, ctx) => {
    const refuse = (why: string) => ctx.addIssue({ code: 'custom', message: why });
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return refuse(`no scheme; ${use}`);
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      return refuse(`not a valid URL (check its form and port); ${use}`);
    }
    const scheme = parsed.protocol.slice(0, -1);
    if (!schemes.includes(scheme)) refuse(`${scheme}:// is not accepted here; ${use}`);
    else if (!parsed.hostname) refuse(`no host; ${use}`);
    else if (noCredentials && (parsed.username || parsed.password))
      refuse(`no user or password in this URL: ${noCredentials}`);
  });
}

/** A comma-separated setting (FM_RULES_FILES, FM_RULES_SITES) as its items, blanks dropped. */
export function listSetting(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export const settings = {
  FM_CONFIG_FILE: {
    schema: optionalText,
    doc: 'Optional JSON file with any of these settings as keys; environment variables win over it.',
  },
  FM_DATA_DIR: {
    schema: z.string().min(1).default('./data'),
    doc: 'Directory for the embedded database, the ingest spool and generated secrets. Private to the user the platform runs as: `facility` creates it and everything in it owner-only (directories 0700, files 0600) and takes group and other access off what it finds there.',
  },
  FM_LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    doc: 'pino log level.',
  },
  FM_LOG_FORMAT: {
    schema: z.enum(['auto', 'pretty', 'json']).default('auto'),
    doc: '`auto` is readable in a terminal and JSON otherwise.',
  },
  FM_LANG: {
    schema: z.enum(['zh-CN', 'en']).default('zh-CN'),
    doc: 'Language of generated titles and texts.',
  },
  DATABASE_URL: {
    schema: url(['postgres', 'postgresql'], 'postgres://user:password@127.0.0.1:5432/facility').optional(),
    doc: 'PostgreSQL connection string. Unset: embedded PGlite database in `FM_DATA_DIR/records`.',
  },
  FM_MQTT_HOST: {
    schema: z.string().min(1).default('127.0.0.1'),
    doc: 'Interface the broker listens on. Widen it (a LAN address, or all interfaces) only to accept devices from other hosts.',
  },
  FM_MQTT_PORT: { schema: port.default(1883), doc: 'MQTT over TCP port (0 picks a free port).' },
  FM_MQTT_WS_PORT: {
    schema: port.default(8083),
    doc: 'MQTT over WebSocket port, path `/mqtt` (0 picks a free port).',
  },
  FM_MQTT_TLS_PORT: {
    schema: port.default(8883),
    doc: 'MQTT over TLS port; the listener starts only when a certificate is set.',
  },
  FM_MQTT_TLS_CERT: { schema: optionalText, doc: 'PEM certificate file for the TLS listener.' },
  FM_MQTT_TLS_KEY: { schema: optionalText, doc: 'PEM private key file for the TLS listener.' },
  FM_MQTT_MAX_PACKET_BYTES: {
    schema: positiveInt.max(268_435_455).default(65_536),
    doc: 'Largest MQTT packet accepted; larger ones close the connection.',
  },
  FM_MQTT_MAX_TOPIC_LEVELS: {
    schema: positiveInt.max(64).default(8),
    doc: 'Most `/`-separated levels in a topic.',
  },
  FM_MQTT_DEVICE_RATE: {
    schema: positiveInt.default(20),
    doc: 'Publishes per second a device may sustain (bursts up to twice that); excess is delayed (TCP slows the device), and a device more than 5 s ahead is disconnected and counted.',
  },
  FM_MQTT_FLAP_CONNECTS: {
    schema: positiveInt.default(15),
    doc: 'Authenticated connects of one client id per window after which it is banned (failed ones never count against it).',
  },
  FM_MQTT_AUTH_FAILURES: {
    schema: positiveInt.default(30),
    doc: 'Failed authentications from one address per window after which its further failures are answered late (a correct secret still gets in at once).',
  },
  FM_MQTT_FLAP_WINDOW_S: {
    schema: positiveInt.default(60),
    doc: 'Window for flapping and failed-authentication counts, seconds.',
  },
  FM_MQTT_FLAP_BAN_S: {
    schema: positiveInt.default(300),
    doc: 'Length of a flapping or address ban, seconds.',
  },
  FM_MQTT_OUTBOUND_QUEUE_BYTES: {
    schema: positiveInt.default(1_048_576),
    doc: 'Bytes waiting to be written to one subscriber beyond which further QoS 0 messages to it are dropped and counted.',
  },
  FM_MQTT_PROXY_PROTOCOL: {
    schema: z.stringbool().default(false),
    doc: "The broker's listeners (TCP, TLS, WebSocket) are behind a load balancer that sends the PROXY protocol (HAProxy `send-proxy` or `send-proxy-v2`): each connection must start with its header, whose address is the device's for the bans and the log; a connection without one is refused. Only behind such a proxy: a client reaching the broker directly could claim any address.",
  },
  FM_MQTT_URL: {
    schema: url(
      ['mqtt', 'mqtts', 'tcp', 'tls', 'ws', 'wss'],
      'mqtt://emqx:1883',
      'the services connect as service.<name> with FM_SERVICE_SECRET',
    ).optional(),
    doc: 'External broker for the services, e.g. `mqtt://emqx:1883`; ingest then connects to it on a persistent session. Unset: the built-in broker, whose message bus ingest reads in-process.',
  },
  FM_INFLUX_URL: {
    schema: url(
      ['http', 'https'],
      'http://127.0.0.1:8086',
      'set FM_INFLUX_TOKEN (v2) or FM_INFLUX_USER and FM_INFLUX_PASSWORD (v1)',
    ).optional(),
    doc: 'InfluxDB base URL. Unset: readings are validated and counted but no history is kept.',
  },
  FM_INFLUX_MODE: {
    schema: z.enum(['v2', 'v1']).default('v2'),
    doc: '`v2`: /api/v2/write (InfluxDB 1.8+, 2.x, 3.x, Cloud). `v1`: /write of 1.x before 1.8 (Debian 1.6).',
  },
  FM_INFLUX_TOKEN: {
    schema: optionalText,
    secret: true,
    doc: 'v2: API token (1.8 with auth: `user:password`).',
  },
  FM_INFLUX_ORG: { schema: optionalText, doc: 'v2: organisation (required in v2; 1.8 ignores it, use `-`).' },
  FM_INFLUX_BUCKET: { schema: optionalText, doc: 'v2: bucket (1.8: `database/retention-policy`).' },
  FM_INFLUX_DATABASE: {
    schema: optionalText,
    doc: 'v1: database (required in v1). v2: DBRP database for InfluxQL queries; default the bucket.',
  },
  FM_INFLUX_RP: { schema: optionalText, doc: 'v1: retention policy; unset uses the database default.' },
  FM_INFLUX_USER: { schema: optionalText, doc: 'v1: user when 1.x has auth-enabled.' },
  FM_INFLUX_PASSWORD: { schema: optionalText, secret: true, doc: 'v1: password when 1.x has auth-enabled.' },
  FM_INGEST_BATCH_SIZE: {
    schema: positiveInt.max(100_000).default(5000),
    doc: 'Most lines per InfluxDB write.',
  },
  FM_INGEST_BATCH_LINGER_MS: {
    schema: z.coerce.number().int().min(0).max(60_000).default(0),
    doc: 'How long a line waits for more before its batch is sent; 0 sends as soon as the writer is free.',
  },
  FM_INGEST_MEMORY_LINES: {
    schema: positiveInt.default(20_000),
    doc: 'Unacknowledged lines held in memory before further ones are spooled to disk.',
  },
  FM_INGEST_SPOOL_MAX_BYTES: {
    schema: positiveInt.default(2 * 1024 ** 3),
    doc: 'Disk cap of `FM_DATA_DIR/ingest-spool`; beyond it readings are dropped, counted and logged.',
  },
  FM_INGEST_RETRY_MAX_MS: {
    schema: positiveInt.default(15_000),
    doc: 'Longest wait between InfluxDB write retries.',
  },
  FM_INGEST_REJECTS_KEPT: {
    schema: positiveInt.max(100_000).default(200),
    doc: 'Rejected messages kept for the CLI and API.',
  },
  FM_INGEST_COPY: {
    schema: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and -, at most 32')
      .optional(),
    doc: 'mosquitto 2 or EMQX (FM_MQTT_URL): this ingest copy\'s name among several that share the readings through shared subscriptions (`$share/ingest/...`); its MQTT client id becomes `service.ingest-<name>`, a persistent session of its own. Give each copy its own, stable across restarts (docs/deploy.md, "Several ingest copies"). Refused with the platform\'s own broker, which has no shared subscriptions.',
  },
  FM_API_REPLICA_ID: {
    schema: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and -, at most 32')
      .optional(),
    doc: 'This API replica\'s name among several: its device-command sender\'s MQTT client id becomes `service.commands-<name>`, a persistent session of its own (replicas sharing one client id would take the session from each other). Give each replica its own, stable across restarts (docs/deploy.md, "Two nodes").',
  },
  FM_API_HOST: {
    schema: z.string().min(1).default('127.0.0.1'),
    doc: 'Interface the API listens on. Loopback by default: widen it only behind a TLS-terminating proxy.',
  },
  FM_API_PORT: { schema: port.default(8080), doc: 'API port (0 picks a free port).' },
  FM_ADMIN_TOKEN: {
    secret: true,
    schema: z.string().min(32).optional(),
    doc: 'Bearer token of the first admin (32+ characters). Unset: generated once into `FM_DATA_DIR/admin-token` (mode 0600); only its prefix is logged. Formerly `FACILITY_ADMIN_TOKEN`, which is still read, with a warning.',
  },
  FM_API_RATE_LIMIT: {
    schema: z.coerce.number().int().min(0).default(1200),
    doc: 'Requests one client address may make per window; 0 turns the limit off.',
  },
  FM_API_RATE_WINDOW_S: { schema: positiveInt.default(60), doc: 'Rate limit window, seconds.' },
  FM_API_BODY_LIMIT_BYTES: {
    schema: positiveInt.min(1024).max(67_108_864).default(262_144),
    doc: 'Largest request body, bytes (larger: 413).',
  },
  FM_API_TRUST_PROXY: {
    schema: z.stringbool().default(false),
    doc: 'Trust X-Forwarded-For from a reverse proxy (the rate limit then counts the real client).',
  },
  FM_API_SSE_HEARTBEAT_S: {
    schema: positiveInt.max(3600).default(15),
    doc: 'Seconds between heartbeats on /stream.',
  },
  FM_API_SSE_MAX_CLIENTS: {
    schema: positiveInt.default(100),
    doc: 'Most concurrent /stream clients; more get 503 stream-full.',
  },
  FM_API_SHUTDOWN_GRACE_S: {
    schema: z.coerce.number().int().min(0).default(10),
    doc: 'On stop, seconds in-flight requests may take before their connections are cut.',
  },
  FM_API_DOCS: {
    schema: z.stringbool().default(true),
    doc: 'Serve the browsable OpenAPI page at /docs (/openapi.json is always served).',
  },
  FM_CONSOLE_SESSION_HOURS: {
    schema: z.coerce.number().min(0.25).max(720).default(12),
    doc: "A console sign-in's absolute lifetime, hours (default a shift and a bit); then the person signs in again.",
  },
  FM_CONSOLE_IDLE_HOURS: {
    schema: z.coerce.number().min(0.25).max(720).default(4),
    doc: 'A console sign-in ends after this many hours without a request (a shared desk PC left signed in).',
  },
  FM_RULES_FILES: {
    schema: z.string().min(1).optional(),
    doc: 'Comma-separated rule files laid over the shipped rules/default-rules.json (per-site/per-device overrides). A bad file refuses the start with file:line: reason.',
  },
  FM_GRAFANA_URL: {
    schema: url(
      ['http', 'https'],
      'http://127.0.0.1:3000',
      "it is the link in every device record's evidence",
    ).optional(),
    doc: 'Grafana base URL for the evidence link on device records; unset: no link.',
  },
  FM_RULES_SELF_CLOSE_LOW: {
    schema: z.stringbool().default(false),
    doc: 'Close recovered low-priority device records nobody was dispatched to (skips acceptance and return visit).',
  },
  FM_RULES_SITES: {
    schema: z.string().min(1).optional(),
    doc: 'Comma-separated sites this rules worker watches; unset: all.',
  },
  FM_RULES_TICK_MS: { schema: positiveInt.default(1000), doc: 'How often rule timers are evaluated, ms.' },
  FM_RULES_REFRESH_S: {
    schema: positiveInt.default(60),
    doc: 'How often devices and maintenance windows are reloaded, s.',
  },
  FM_RULES_WORKER_ID: {
    schema: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lower-case letters, digits and -, at most 32')
      .optional(),
    doc: 'PostgreSQL: this rules worker\'s name in the site leases and its MQTT client id (`service.rules-<id>`); give each worker its own, stable across restarts (docs/rules.md, "Several workers"). Unset: one name per process.',
  },
  FM_RULES_LEASE_TTL_S: {
    schema: z.coerce.number().int().min(0).default(10),
    doc: "PostgreSQL: seconds a rules worker holds its sites unrenewed; a dead worker's sites move within this and a third more. 0: no leases, the worker acts on every site (of FM_RULES_SITES).",
  },
  FM_JOB_LEASE_TTL_S: {
    schema: positiveInt.default(10),
    doc: 'PostgreSQL: seconds a process holds a singleton job (the SLA clock) unrenewed; it restarts in another process within this and a third more.',
  },
  FM_SERVICE_SECRET: {
    secret: true,
    schema: z.string().min(16).optional(),
    doc: 'Secret of the service accounts (ingest, rules, api, simulator). Unset: generated once into `FM_DATA_DIR/service-secret`.',
  },
  FM_REDIS_URL: {
    schema: url(['redis', 'rediss'], 'redis://127.0.0.1:6379/0').optional(),
    doc: 'Redis shared by clustered broker nodes (docs/deploy.md): messages pass between nodes through it (mqemitter-redis) and sessions, retained messages and wills live in it (aedes-persistence-redis). Unset: the broker keeps them in memory, alone. Nodes sharing one Redis need one registry too: set DATABASE_URL.',
  },
  FM_BROKER_HEARTBEAT_S: {
    schema: positiveInt.max(3600).default(10),
    doc: "Clustered broker: seconds between a node's heartbeats on the shared bus. A node silent for 3 heartbeats is taken for dead and another node sends the wills of its devices within the next 4.",
  },
  FM_DEMO: {
    schema: z.stringbool().default(true),
    doc: '`facility start` creates a demo estate and runs its simulated fleet (`--no-demo` also turns it off).',
  },
  FM_MOSQUITTO_ADMIN_URL: {
    schema: url(
      ['mqtt', 'mqtts'],
      'mqtt://127.0.0.1:1883',
      'set FM_MOSQUITTO_ADMIN_USER and FM_MOSQUITTO_ADMIN_PASSWORD',
    ).optional(),
    doc: "mosquitto 2 as the broker: its address for the dynamic security plugin's admin API. Set, the platform keeps the plugin's clients and roles in step with the device registry (docs/deploy.md).",
  },
  FM_MOSQUITTO_ADMIN_USER: {
    schema: z.string().min(1).default('fm-dynsec-admin'),
    doc: "The dynamic security client the platform manages mosquitto as (`facility mosquitto dynsec-file` writes it into mosquitto's file).",
  },
  FM_MOSQUITTO_ADMIN_PASSWORD: {
    schema: z.string().min(16).optional(),
    secret: true,
    doc: 'Its password (16+ characters); required with FM_MOSQUITTO_ADMIN_URL.',
  },
  FM_MOSQUITTO_CHECK_S: {
    schema: positiveInt.default(60),
    doc: "How often mosquitto's clients and roles are compared in full with the registry and drift repaired, s (revocations and rotations are followed every 2 s).",
  },
  FM_COMMAND_TTL_S: {
    schema: positiveInt.min(1).max(86_400).default(120),
    doc: 'How long a command to a device (reset, report-now) waits for its answer before it is expired, s. A device that reconnects later drops it (docs/mqtt-contract.md, Commands).',
  },
  FM_RULES_METER_SAMPLE_S: {
    schema: z.coerce.number().int().min(0).default(300),
    doc: 'Shortest time between two counter readings of a device passed to meter-driven maintenance plans, s (0: every message).',
  },
  FM_PLAN_LIFT_DAYS: {
    schema: positiveInt.default(15),
    doc: 'Default interval of lift maintenance plans, days: at least every 15 days (《特种设备安全监察条例》 art. 31; TSG T5001-2009 art. 16 half-monthly maintenance, kept by TSG T5002-2017).',
  },
  FM_PLAN_TANK_MONTHS: {
    schema: positiveInt.default(6),
    doc: 'Default interval of secondary water supply tank cleaning and disinfection, months: at least every six months (local supply rules under GB 17051).',
  },
  FM_PLAN_EMERGENCY_LIGHT_MONTHS: {
    schema: positiveInt.default(1),
    doc: 'Default interval of the emergency lighting test, months (monthly emergency start, GB 51309-2018 systems).',
  },
  FM_PLAN_EMERGENCY_LIGHT_FULL_MONTHS: {
    schema: positiveInt.default(12),
    doc: 'Default interval of the emergency lighting full-duration test, months (yearly).',
  },
  FM_PLAN_PUMP_RUN_HOURS: {
    schema: positiveInt.default(2000),
    doc: 'Default step of pump maintenance plans by running hours (good practice).',
  },
  FM_PLAN_NVR_DISK_HOURS: {
    schema: positiveInt.default(20_000),
    doc: 'Default step of NVR disk checks by power-on hours of the oldest disk (good practice).',
  },
  FM_PLAN_LEAD_DAYS: {
    schema: z.coerce.number().int().min(0).default(3),
    doc: 'Days before its due date a calendar maintenance job is generated and dispatched (a plan may set its own).',
  },
  FM_PLAN_METER_DUE_DAYS: {
    schema: positiveInt.default(7),
    doc: 'Days a meter-triggered maintenance job is given from the reading that triggered it (a plan may set its own).',
  },
  FM_PLAN_WINDOW_HOURS: {
    schema: positiveInt.default(8),
    doc: "A maintenance job in progress holds its device's faults back; the window ends by itself after this many hours if the job is not completed or abandoned.",
  },
  FM_NOTIFY_RECEIVERS: {
    secret: true,
    schema: receiversSetting.optional(),
    doc: 'Group chats and webhooks notifications go to (docs/notifications.md): a JSON object of name -> `{"type": "webhook"|"wecom"|"dingtalk"|"feishu", "url", "secret", "sites": [], "trades": []}`. Every type but `wecom` (whose key is in its URL) needs its `secret`. Unset: no group chats.',
  },
  FM_NOTIFY_CONSOLE_URL: {
    schema: url(['http', 'https'], 'https://fm.example.com').optional(),
    doc: 'Base URL of the web console as people reach it from their phones; notifications link to the record or alert there. Unset: no link.',
  },
  FM_NOTIFY_SMTP_URL: {
    schema: url(['smtp', 'smtps'], 'smtp://user:password@mail.example.com:587').optional(),
    doc: 'SMTP server for e-mail notifications; `smtp://` on 587 must offer STARTTLS (see FM_NOTIFY_SMTP_STARTTLS), `smtps://` is TLS from the start. Unset: no e-mail.',
  },
  FM_NOTIFY_SMTP_FROM: {
    schema: optionalText,
    doc: 'Sender address of notification e-mails, e.g. `Facility Monitor <fm@example.com>`; required with FM_NOTIFY_SMTP_URL.',
  },
  FM_NOTIFY_SMTP_STARTTLS: {
    schema: z.stringbool().default(true),
    doc: 'Refuse to send over `smtp://` unless the server upgrades the connection with STARTTLS (RFC 3207).',
  },
  FM_NOTIFY_SMS_URL: {
    schema: url(['http', 'https'], 'https://sms.example.com/send').optional(),
    doc: 'SMS gateway endpoint, POSTed the filled-in FM_NOTIFY_SMS_TEMPLATE. Unset: no SMS.',
  },
  FM_NOTIFY_SMS_TEMPLATE: {
    schema: smsTemplateSetting.optional(),
    doc: 'JSON body the SMS gateway expects, with placeholders `{phone}`, `{text}`, `{title}`, `{link}`, `{key}`, `{name}`; required with FM_NOTIFY_SMS_URL.',
  },
  FM_NOTIFY_SMS_TOKEN: {
    secret: true,
    schema: optionalText,
    doc: 'Sent to the SMS gateway as `Authorization: Bearer`.',
  },
  FM_NOTIFY_SMS_DAILY_CAP: {
    schema: z.coerce.number().int().min(0).default(20),
    doc: 'Most SMS one person gets per local day, emergencies not counted against it; 0: no cap.',
  },
  FM_NOTIFY_RETRY_MAX_S: {
    schema: positiveInt.default(300),
    doc: 'Longest wait between delivery attempts; the wait doubles from 2 s up to this.',
  },
  FM_NOTIFY_MAX_ATTEMPTS: {
    schema: positiveInt.default(50),
    doc: 'Attempts after which a notification is given up (50 at the default backoff: about 4 hours).',
  },
  FM_NOTIFY_DEAD_AFTER: {
    schema: positiveInt.default(5),
    doc: 'Failures in a row after which a receiver is reported down: one operator warning, not one per message.',
  },
} as const;

/** mosquitto settings missing, as `NAME: why` lines; empty when complete. */
export function mosquittoSettingProblems(c: {
  FM_MOSQUITTO_ADMIN_URL?: string;
  FM_MOSQUITTO_ADMIN_PASSWORD?: string;
}): string[] {
  return c.FM_MOSQUITTO_ADMIN_URL && !c.FM_MOSQUITTO_ADMIN_PASSWORD
    ? ['FM_MOSQUITTO_ADMIN_PASSWORD=null: required with FM_MOSQUITTO_ADMIN_URL']
    : [];
}

/** InfluxDB settings missing for the chosen write API, as `NAME: why` lines; empty when complete. */
export function influxSettingProblems(c: {
  FM_INFLUX_URL?: string;
  FM_INFLUX_MODE: 'v2' | 'v1';
  FM_INFLUX_ORG?: string;
  FM_INFLUX_BUCKET?: string;
  FM_INFLUX_DATABASE?: string;
}): string[] {
  if (!c.FM_INFLUX_URL) return [];
  const missing = (name: 'FM_INFLUX_ORG' | 'FM_INFLUX_BUCKET' | 'FM_INFLUX_DATABASE', why: string) =>
    c[name] ? [] : [`${name}=null: ${why}`];
  return c.FM_INFLUX_MODE === 'v2'
    ? [
        ...missing('FM_INFLUX_ORG', 'required with FM_INFLUX_MODE=v2 (InfluxDB 1.8: any value, e.g. -)'),
        ...missing('FM_INFLUX_BUCKET', 'required with FM_INFLUX_MODE=v2'),
      ]
    : missing('FM_INFLUX_DATABASE', 'required with FM_INFLUX_MODE=v1');
}
