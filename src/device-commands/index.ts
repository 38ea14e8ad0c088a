/**
 * The command sender: publishes queued commands to devices at QoS 1 on their `command` topic and
 * records their answers from `reply` (docs/mqtt-contract.md, "Commands"). The outbox pattern:
 * the row is committed first (records/commands.ts), so a crash between commit and publish loses
 * nothing (the next start publishes it); a crash between publish and marking it sent publishes it
 * again under the same id, which the device recognises as a repeat. A reply is acknowledged to
 * the broker only once it is recorded, so a failed write has it delivered again.
 */
import mqtt, { type IPublishPacket } from 'mqtt';
import { type Clock, dateOf } from '../clock.ts';
import type { ServiceHealth } from '../health.ts';
import type { Logger } from '../log.ts';
import type { MetricFamily } from '../metrics.ts';
import { SessionHealth } from '../mqtt-session.ts';
import { encodeCommand, replyFilter } from '../protocol/index.ts';
import {
  COMMANDS_CHANNEL,
  claimDueCommands,
  type Db,
  type DeviceCommand,
  expireCommands,
  markAttemptFailed,
  markSent,
} from '../records/index.ts';
import { CommandCounters } from './counters.ts';
import { type CommandOptions, commandOptionsSchema, type ResolvedCommandOptions } from './options.ts';
import { recordDeviceReply } from './replies.ts';

export { CommandCounters, type IgnoredReply } from './counters.ts';
export { type CommandOptions, commandOptionsSchema, type ResolvedCommandOptions } from './options.ts';

export interface CommandSenderDeps {
  /** The records database the commands are queued in. */
  db: Db;
  log: Logger;
  /** The clock deadlines and retries run on; tests pass a fake one. */
  now: Clock;
  /** A service account (`service.commands`): the broker's ACL lets services publish only on command topics. */
  mqtt: { url: string; username: string; password: string; clientId: string };
  options?: CommandOptions;
  /** How long the first connection may take before the start fails, ms. Default 10 s. */
  connectTimeoutMs?: number;
}

export interface CommandSender {
  /** One pass now: expire what is past its deadline, publish what is due. */
  poll(): Promise<void>;
  readonly counters: CommandCounters;
  readonly options: ResolvedCommandOptions;
  health(): ServiceHealth;
  metrics(): MetricFamily[];
  stop(): Promise<void>;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no PUBACK within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(t);
        reject(err);
      },
    );
  });
}

export async function startCommandSender(deps: CommandSenderDeps): Promise<CommandSender> {
  const o = commandOptionsSchema.parse(deps.options ?? {});
  const { db, log, now } = deps;
  const counters = new CommandCounters();
  const session = new SessionHealth();
  const client = mqtt.connect(deps.mqtt.url, {
    protocolVersion: 4,
    clientId: deps.mqtt.clientId,
    username: deps.mqtt.username,
    password: deps.mqtt.password,
    // A persistent session: replies published while the sender is down wait for it in the broker.
    clean: false,
    keepalive: 30,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    resubscribe: true,
  });

  const onReply = (topic: string, payload: Buffer) =>
    recordDeviceReply({ db, log, now, counters }, topic, payload);

  // Recorded before the PUBACK: an error leaves the reply unacknowledged (mqtt.js skips its PUBACK
  // when the callback gets an error), so the broker delivers it again on the next connection.
  client.handleMessage = (packet: IPublishPacket, callback: (error?: Error) => void) => {
    onReply(packet.topic, packet.payload as Buffer).then(
      () => callback(),
      (err: unknown) => {
        log.error({ err, topic: packet.topic }, 'could not record a command reply; left unacknowledged');
        callback(err as Error);
      },
    );
  };

  async function send(c: DeviceCommand): Promise<void> {
    const [device] = await db.query<{ revoked: boolean }>(
      'SELECT revoked_at IS NOT NULL AS revoked FROM devices WHERE id = $1',
      [c.deviceId],
    );
    if (device?.revoked) {
      await markAttemptFailed(db, c.id, dateOf(now), 'device revoked before the command went out', undefined);
      counters.count(c.command, 'failed');
      return;
    }
    const { topic, payload } = encodeCommand(
      { site: c.site, kind: c.kind, deviceId: c.deviceId },
      { id: c.id, command: c.command, ts: c.createdAt.getTime(), expires_at: c.expiresAt.getTime() },
    );
    try {
      await withTimeout(client.publishAsync(topic, payload, { qos: 1 }), o.publishTimeoutMs);
    } catch (err) {
      counters.publishFailures++;
      const attempts = c.attempts + 1;
      const wait = Math.min(o.retryMaxMs, o.retryMinMs * 2 ** (attempts - 1));
      const retryAt = attempts >= o.maxAttempts ? undefined : new Date(now() + wait);
      const row = await markAttemptFailed(db, c.id, dateOf(now), (err as Error).message, retryAt);
      if (row?.state === 'failed') counters.count(c.command, 'failed');
      log.warn(
        { commandId: c.id, deviceId: c.deviceId, attempts, err: (err as Error).message },
        'command publish failed',
      );
      return;
    }
    // The broker has it; the row may already be answered (a quick device) or expired meanwhile.
    counters.count(c.command, 'sent');
    if (await markSent(db, c.id, dateOf(now))) {
      log.info(
        { commandId: c.id, deviceId: c.deviceId, command: c.command, by: c.requestedBy },
        `command ${c.command} sent to ${c.deviceId}`,
      );
    }
  }

  async function pass(): Promise<void> {
    for (const c of await expireCommands(db, dateOf(now))) {
      counters.count(c.command, 'expired');
      log.info(
        { commandId: c.id, deviceId: c.deviceId, command: c.command },
        `command ${c.command} to ${c.deviceId} expired unanswered`,
      );
    }
    // Offline, nothing is handed to mqtt.js to queue: the command stays queued in the database.
    if (!client.connected) return;
    for (const c of await claimDueCommands(db, dateOf(now), 2 * o.publishTimeoutMs)) await send(c);
  }

  // One pass at a time; a wake-up during a pass runs one more after it.
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const poll = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await pass();
        } catch (err) {
          log.error({ err }, 'command sender pass failed; retrying at the next poll');
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  client.on('connect', () => {
    session.up();
    void poll();
  });
  client.on('close', () => session.lost());
  client.on('error', (err) => log.warn({ err: err.message }, 'command sender MQTT error'));

  try {
    await new Promise<void>((resolve, reject) => {
      const ms = deps.connectTimeoutMs ?? 10_000;
      const timer = setTimeout(
        () => reject(new Error(`commands: no connection to ${deps.mqtt.url} within ${ms} ms`)),
        ms,
      );
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      client.on('error', (err) => {
        const code = (err as { code?: number }).code;
        if (code === 4 || code === 5) {
          clearTimeout(timer);
          reject(new Error(`commands: the broker refused the service credentials (${err.message})`));
        }
      });
    });
    const granted = await client.subscribeAsync(replyFilter(), { qos: 1 });
    if (granted.some((g) => g.qos === 128)) throw new Error(`commands: the broker refused ${replyFilter()}`);
  } catch (err) {
    await client.endAsync(true);
    throw err;
  }
  const unlisten = await db.listen(
    COMMANDS_CHANNEL,
    () => void poll(),
    () => void poll(),
  );
  const timer = setInterval(() => void poll(), o.pollMs);
  timer.unref();
  void poll();
  log.info('command sender started');

  return {
    poll,
    counters,
    options: o,
    // Without the broker commands wait in the database; faults still become records, so this
    // service is degraded, never down (readiness is about fault detection: docs/api.md).
    health: () => {
      const h = session.health();
      return h.status === 'down'
        ? { status: 'degraded', detail: `commands to devices wait: ${h.detail}` }
        : h;
    },
    metrics: () => counters.metrics(),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await unlisten();
      await running;
      await client.endAsync(false);
    },
  };
}
