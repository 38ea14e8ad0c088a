/**
 * ingest: broker -> validated readings -> InfluxDB line protocol, batched, retried, spooled, never
 * silently dropped. See docs/ingest.md (operation) and docs/influxdb-schema.md (what is stored).
 */
import { join } from 'node:path';
import type { LocalBus } from '../broker/index.ts';
import { type Clock, systemClock } from '../clock.ts';
import type { ServiceHealth } from '../health.ts';
import type { Logger } from '../log.ts';
import type { MetricFamily } from '../metrics.ts';
import { SessionHealth } from '../mqtt-session.ts';
import { type DecodedMessage, decode, type Kind, resolveTimestamp } from '../protocol/index.ts';
import { startBusSource } from './bus-source.ts';
import { emptyCounters, type IngestCounters } from './counters.ts';
import { createLineWriter } from './influx.ts';
import { toLine } from './line-protocol.ts';
import { ingestMetrics } from './metrics.ts';
import { type Delivery, type MessageSource, startMqttSource } from './mqtt-source.ts';
import type { IngestMqttOptions, IngestOptions } from './options.ts';
import { RecentReadings } from './recent.ts';
import { type RejectedMessage, RejectLog } from './rejects.ts';
import { Sink } from './sink.ts';
import { Spool } from './spool.ts';

export type { IngestCounters } from './counters.ts';
export { type IngestConfig, ingestMqttOptions, ingestOptionsFromConfig } from './from-config.ts';
export { influxQuery, quoteIdent, quoteString, seriesRows } from './influx.ts';
export { EVENT_MEASUREMENT, MEASUREMENT_FIELDS, measurementOf, STATUS_MEASUREMENT } from './line-protocol.ts';
export { INGEST_DEFAULTS, type IngestMqttOptions, type IngestOptions, ingestOptions } from './options.ts';
export { type ReadingRow, RecentReadings } from './recent.ts';
export type { RejectedMessage } from './rejects.ts';

/**
 * What ingest needs of the device registry (records/ DeviceDirectory satisfies it). `building`
 * is used as a tag when the registry returns it.
 */
export interface IngestDeviceLookup {
  findDevice(
    deviceId: string,
  ): Promise<{ site: string; kind: Kind; building?: string | null; revokedAt?: Date | null } | undefined>;
}

/** Where readings come from: an MQTT session with any broker, or the platform broker's bus in this process. */
export type IngestSource = { mqtt: IngestMqttOptions; bus?: undefined } | { bus: LocalBus; mqtt?: undefined };

export type IngestDeps = IngestSource & {
  options: IngestOptions;
  log: Logger;
  /** Clock, epoch ms: the broker-side time used when a device's time is absent or absurd. */
  now?: Clock;
  /** Device registry: refuses devices whose topic does not match their registered site/kind. */
  devices?: IngestDeviceLookup;
};

export interface Ingest {
  stop(): Promise<void>;
  counters(): IngestCounters;
  /** `down` without a session to the broker; `degraded` while InfluxDB is down and readings spool. */
  health(): ServiceHealth;
  /** The counters as Prometheus families, with the write latency histogram. */
  metrics(): MetricFamily[];
  /** Without InfluxDB, the last hour of readings in memory (status, last readings, recent history). */
  recent: RecentReadings | undefined;
  /** The last rejected messages and refused lines, newest first. */
  rejects(): RejectedMessage[];
}

type DeviceInfo = { site: string; kind: Kind; building?: string } | null;

const DEVICE_CACHE_MAX = 100_000;

export async function startIngest(deps: IngestDeps): Promise<Ingest> {
  const { options, log } = deps;
  const now = deps.now ?? systemClock;
  const counters = emptyCounters();
  const rejectLog = new RejectLog(options.rejectsKept, options.rejectBytesKept);
  const devices = new Map<string, { at: number; info: DeviceInfo }>();
  let stopped = false;

  let sink: Sink | undefined;
  let recent: RecentReadings | undefined;
  if (options.influx) {
    const writer = createLineWriter(
      options.influx,
      options.writeTimeoutMs,
      Math.max(options.batchSize, options.replayBatchSize),
    );
    const spool = await Spool.open(
      join(options.dataDir, 'ingest-spool'),
      options.spoolSegmentBytes,
      options.spoolMaxBytes,
      log,
    );
    counters.influx = 'up';
    sink = new Sink({
      writer,
      spool,
      options,
      log,
      counters,
      now,
      onRefused: (line, error) =>
        rejectLog.add(now(), '(influxdb)', Buffer.from(line), 'influx-refused', error),
    });
    log.info({ influx: writer.describe, spool: spool.dir }, 'ingest writes readings to InfluxDB');
  } else {
    recent = new RecentReadings(now);
    log.warn(
      'InfluxDB is not configured: readings are validated and counted, and only THE LAST HOUR is kept, in memory. To keep history set ' +
        'FM_INFLUX_URL with FM_INFLUX_TOKEN, FM_INFLUX_ORG and FM_INFLUX_BUCKET (v2 write API: InfluxDB 1.8+, 2.x, 3.x, Cloud), ' +
        'or FM_INFLUX_MODE=v1 with FM_INFLUX_URL and FM_INFLUX_DATABASE (InfluxDB 1.x before 1.8). See docs/ingest.md.',
    );
  }

  const ackLater = (ack: () => void) => (sink ? sink.addAck(ack) : ack());

  function reject(d: Delivery, at: number, reason: string, detail: string): void {
    counters.rejected[reason] = (counters.rejected[reason] ?? 0) + 1;
    const entry = rejectLog.add(at, d.topic, d.payload, reason, detail);
    log.debug({ topic: entry.topic, reason, detail: entry.detail }, 'reading rejected');
    // Acknowledged: a refused message does not improve by being delivered again.
    ackLater(d.ack);
  }

  function store(
    d: Delivery,
    message: DecodedMessage,
    receivedAt: number,
    info: DeviceInfo | undefined,
  ): void {
    if (info === null) {
      reject(d, receivedAt, 'unknown-device', `device ${message.deviceId} is not registered`);
      return;
    }
    if (info && (info.site !== message.site || info.kind !== message.kind)) {
      reject(
        d,
        receivedAt,
        'topic-mismatch',
        `device ${message.deviceId} is registered as ${info.kind} in site ${info.site}, topic says ${message.kind} in ${message.site}`,
      );
      return;
    }
    const ts = (message.data as { ts?: number }).ts;
    if (d.retained && ts === undefined) {
      // A retained status replayed on subscribe is old state whose time is unknown.
      counters.retainedSkipped++;
      ackLater(d.ack);
      return;
    }
    const time = resolveTimestamp(ts, receivedAt);
    const { measurement, line } = toLine(message, time, info?.building);
    counters.accepted[measurement] = (counters.accepted[measurement] ?? 0) + 1;
    if (sink) sink.add(line, d.ack);
    else {
      counters.notStored++;
      recent?.add(message, time);
      d.ack();
    }
  }

  // Registry answers may be asynchronous; an ordered inbox keeps messages (and acks) in arrival order.
  const inbox: { ready: boolean; run: () => void }[] = [];
  const drain = () => {
    while (inbox[0]?.ready) inbox.shift()!.run();
  };

  function lookup(deviceId: string): DeviceInfo | undefined | Promise<DeviceInfo | undefined> {
    const registry = deps.devices;
    if (!registry) return undefined;
    const cached = devices.get(deviceId);
    if (cached && now() - cached.at < options.deviceCacheMs) return cached.info;
    return registry.findDevice(deviceId).then(
      (d) => {
        const info: DeviceInfo =
          d && !d.revokedAt ? { site: d.site, kind: d.kind, building: d.building ?? undefined } : null;
        if (devices.size >= DEVICE_CACHE_MAX) devices.clear();
        devices.set(deviceId, { at: now(), info });
        return info;
      },
      (err) => {
        // The registry being down must not stop history: store without the check, say so.
        log.warn(
          { err: (err as Error).message, deviceId },
          'device registry lookup failed; reading stored unchecked',
        );
        return undefined;
      },
    );
  }

  function onMessage(d: Delivery): void {
    counters.readingsIn++;
    const receivedAt = now();
    let result: ReturnType<typeof decode>;
    try {
      result = decode(d.topic, d.payload);
    } catch (err) {
      result = { ok: false, reason: 'internal-error' as never, detail: String(err).slice(0, 200) };
    }
    const guarded = (fn: () => void) => () => {
      if (stopped) return; // not acknowledged: the broker delivers it again next start
      try {
        fn();
      } catch (err) {
        reject(d, receivedAt, 'internal-error', String(err).slice(0, 200));
      }
    };
    if (!result.ok) {
      const { reason, detail } = result;
      const run = guarded(() => reject(d, receivedAt, reason, detail));
      if (inbox.length === 0) run();
      else inbox.push({ ready: true, run });
      return;
    }
    const message = result.message;
    const info = lookup(message.deviceId);
    if (!(info instanceof Promise)) {
      const run = guarded(() => store(d, message, receivedAt, info));
      if (inbox.length === 0) run();
      else inbox.push({ ready: true, run });
      return;
    }
    const slot = { ready: false, run: () => {} };
    inbox.push(slot);
    void info.then((resolved) => {
      slot.run = guarded(() => store(d, message, receivedAt, resolved));
      slot.ready = true;
      drain();
    });
  }

  let source: MessageSource;
  /** The session with the broker (or the bus), for health: a short loss is a blip, a long one an outage. */
  const session = new SessionHealth();
  try {
    const handlers = {
      onMessage,
      backpressure: () =>
        sink?.full || inbox.length > options.memoryLines
          ? (sink?.drained() ?? waitInbox(options.memoryLines))
          : undefined,
      onConnectionChange: (connected: boolean) => {
        counters.mqttConnected = connected;
        if (connected) session.up();
        else session.lost();
      },
    };
    source = deps.bus
      ? await startBusSource(deps.bus, log, handlers)
      : await startMqttSource(deps.mqtt, log, handlers);
  } catch (err) {
    await sink?.stop();
    throw err;
  }
  counters.mqttConnected = true;
  session.up();

  function snapshot(): IngestCounters {
    const copy = structuredClone(counters);
    if (sink) {
      copy.bufferDepth = sink.snapshotDepth();
      copy.writeLatencyMs = sink.latency.snapshot();
    }
    return copy;
  }

  /** Resolves once at most `depth` messages wait for a registry answer, or after `limitMs`. */
  function waitInbox(depth: number, limitMs = Number.POSITIVE_INFINITY): Promise<void> {
    const until = performance.now() + limitMs;
    return new Promise((resolve) => {
      const check = () =>
        inbox.length <= depth || performance.now() >= until ? resolve() : setTimeout(check, 10);
      check();
    });
  }

  return {
    async stop() {
      await source.pause();
      // Messages already taken are finished (a registry answer is at most one lookup away), so
      // none that the broker will not deliver again is left behind.
      await waitInbox(0, 5000);
      stopped = true;
      await sink?.stop();
      await source.stop();
      counters.mqttConnected = false;
    },
    counters: snapshot,
    rejects: () => rejectLog.list(),
    recent,
    metrics: () => ingestMetrics(snapshot(), sink?.latency.histogram.snapshot()),
    health: () => {
      const broker = session.health();
      if (broker.status !== 'ok') return broker;
      if (counters.influx === 'down')
        return {
          status: 'degraded',
          detail: `InfluxDB unreachable: readings are spooled to disk (${sink?.snapshotDepth().spoolLines ?? 0} lines)`,
        };
      return { status: 'ok' };
    },
  };
}
