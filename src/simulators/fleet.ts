import mqtt, { type MqttClient } from 'mqtt';
import { systemClock } from '../clock.ts';
import { COMMAND_CHANNEL, deviceTopic, lastWill } from '../protocol/index.ts';
import { answerCommand } from './commands.ts';
import type { Fleet, FleetOptions, FleetStats } from './fleet-types.ts';
import type { ModelSink, OutMessage } from './model.ts';
import { type AnyModel, createModel, type SimDevice } from './models.ts';
import { resolveScenario, ScenarioPlayer, type TimelineEntry } from './scenario.ts';

export type { Fleet, FleetOptions, FleetStats } from './fleet-types.ts';

type Qos = 0 | 1;

interface Member {
  device: SimDevice;
  model: AnyModel;
  client?: MqttClient;
  connected: boolean;
  everConnected?: boolean;
  inflight: number;
  lastError?: string;
}

/**
 * Runs a simulated fleet: every device its own MQTT client with its own credentials and last will,
 * all models advanced by ONE timer loop so one process carries 10,000 devices.
 */
export async function runFleet(options: FleetOptions): Promise<Fleet> {
  const { log, site } = options;
  const clock = options.clock ?? systemClock;
  const speed = options.speed ?? 1;
  const tickMs = options.tickMs ?? 250;
  const qos: Record<OutMessage['channel'], Qos> = {
    telemetry: 0,
    event: 1,
    status: 1,
    reply: 1,
    ...options.qos,
  };
  const perDevice = options.maxInflightPerDevice ?? 20;
  const maxInflight = options.maxInflight ?? 20_000;
  const realStart = clock();
  const simStart = options.start ?? realStart;
  const simNow = () => simStart + (clock() - realStart) * speed;
  const stats: FleetStats = {
    devices: 0,
    connected: 0,
    published: 0,
    failed: 0,
    dropped: 0,
    connectErrors: 0,
    everConnected: 0,
    faultsApplied: 0,
    commandsAnswered: 0,
    commandsDropped: 0,
  };
  let inflight = 0;
  let stopping = false;

  const members = new Map<string, Member>();
  const context = {
    site,
    start: simStart,
    seed: options.seed,
    timezone: options.timezone,
    latitude: options.latitude,
    longitude: options.longitude,
  };
  for (const device of options.devices) {
    if (members.has(device.deviceId)) throw new Error(`device ${device.deviceId} is listed twice`);
    const member = { device, connected: false, inflight: 0 } as Member;
    member.model = createModel(device, context, sinkFor(member));
    members.set(device.deviceId, member);
  }
  stats.devices = members.size;
  const player = options.scenario
    ? new ScenarioPlayer(resolveScenario(options.scenario, options.devices, site, options.seed))
    : undefined;

  function sinkFor(m: Member): ModelSink {
    return {
      publish: (msg) => publish(m, msg),
      // [MQTT-3.1.2-8] the will is published when the network connection closes without DISCONNECT.
      drop: () => {
        m.client?.end(true);
        m.client = undefined;
        markDown(m);
      },
      restore: () => connect(m),
    };
  }

  function publish(m: Member, msg: OutMessage): void {
    const level = qos[msg.channel];
    const client = m.client;
    // Readings are only worth sending now; a device does not queue them (events are QoS 1 and queue).
    if (level === 0 && (!client || !m.connected || m.inflight >= perDevice || inflight >= maxInflight)) {
      stats.dropped++;
      return;
    }
    if (!client) {
      stats.failed++;
      return;
    }
    m.inflight++;
    inflight++;
    client.publish(msg.topic, msg.payload, { qos: level, retain: msg.channel === 'status' }, (err) => {
      m.inflight--;
      inflight--;
      if (err) stats.failed++;
      else {
        stats.published++;
        options.onPublished?.(msg, level);
      }
    });
  }

  function markDown(m: Member): void {
    if (m.connected) stats.connected--;
    m.connected = false;
  }

  function connect(m: Member): void {
    if (stopping) return;
    const { deviceId } = m.device;
    const will = lastWill({ site, kind: m.device.kind, deviceId });
    const client = mqtt.connect(options.brokerUrl, {
      clientId: deviceId,
      username: deviceId,
      password: m.device.secret,
      clean: true,
      keepalive: 30,
      protocolVersion: 4,
      // Below the broker's flapping threshold (15 connects a minute) even for a refused device.
      reconnectPeriod: 5000,
      connectTimeout: 15_000,
      queueQoSZero: false,
      will: { topic: will.topic, payload: Buffer.from(will.payload), qos: will.qos, retain: will.retain },
      ...options.mqttOptions,
    });
    m.client = client;
    client.on('connect', () => {
      if (m.client !== client) return;
      if (!m.connected) stats.connected++;
      if (!m.everConnected) stats.everConnected++;
      m.connected = true;
      m.everConnected = true;
      m.lastError = undefined;
      // Subscribed before `online` goes out: the broker handles a connection's packets in order, so
      // whoever sees the device online may command it.
      if (options.commands !== false)
        client.subscribe(deviceTopic({ site, kind: m.device.kind, deviceId, channel: COMMAND_CHANNEL }), {
          qos: 1,
        });
      m.model.onConnect();
    });
    client.on('message', (_topic, payload) => onCommand(m, payload));
    client.on('close', () => {
      if (m.client === client) markDown(m);
    });
    client.on('error', (err) => {
      stats.connectErrors++;
      stats.lastConnectError = err.message;
      // One line per device and distinct error, not one per reconnect attempt.
      if (m.lastError !== err.message) log.warn({ deviceId, err: err.message }, 'device connection error');
      m.lastError = err.message;
    });
  }

  function onCommand(m: Member, payload: Buffer): void {
    const outcome = answerCommand(m.model, payload, clock());
    if (outcome.answered) stats.commandsAnswered++;
    else stats.commandsDropped++;
    log.info(
      { deviceId: m.device.deviceId, ...outcome },
      outcome.answered ? 'command answered' : 'command dropped',
    );
  }

  function applyEntry(e: TimelineEntry): void {
    for (const id of e.deviceIds) {
      const model = members.get(id)?.model;
      const done = e.action === 'raise' ? model?.raise(e.fault, e.detail) : model?.clear(e.fault);
      if (done) stats.faultsApplied++;
      log.info(
        { deviceId: id, fault: e.fault, action: e.action, step: e.step, applied: Boolean(done) },
        'scenario step',
      );
    }
  }

  const pending = [...members.values()];
  let connectBudget = 0;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;

  function loop(): void {
    const started = clock();
    connectBudget += ((options.connectsPerSecond ?? 200) * tickMs) / 1000;
    while (connectBudget >= 1 && pending.length > 0) {
      connect(pending.shift()!);
      connectBudget--;
    }
    if (pending.length === 0) connectBudget = 0;
    const now = simNow();
    if (player) for (const e of player.due(now - simStart)) applyEntry(e);
    for (const m of members.values()) {
      try {
        m.model.tick(now);
      } catch (err) {
        // One broken model must not stop the other 9,999; the log says which, a few times.
        if (failures++ < 20) log.error({ deviceId: m.device.deviceId, err }, 'model failed');
      }
    }
    // setTimeout, not setInterval: a slow tick delays the next one instead of piling them up.
    if (!stopping) timer = setTimeout(loop, Math.max(0, tickMs - (clock() - started)));
  }
  loop();

  return {
    stats: () => ({ ...stats }),
    model: (id) => members.get(id)?.model,
    inject: (id, fault, action) => {
      const model = members.get(id)?.model;
      return Boolean(action === 'raise' ? model?.raise(fault) : model?.clear(fault));
    },
    now: simNow,
    stop: async () => {
      stopping = true;
      clearTimeout(timer);
      // A simulator shut down on purpose says so (the will's payload), so dashboards show no ghosts.
      await Promise.all(
        [...members.values()].map(async (m) => {
          const client = m.client;
          if (!client) return;
          if (m.connected) {
            const will = lastWill({ site, kind: m.device.kind, deviceId: m.device.deviceId });
            await withTimeout(client.publishAsync(will.topic, will.payload, { qos: 1, retain: true }));
          }
          await withTimeout(client.endAsync());
          markDown(m);
        }),
      );
    },
  };
}

/** Shutdown must finish even when the broker is gone. */
function withTimeout(p: Promise<unknown>, ms = 3000): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve();
      },
      () => {
        clearTimeout(t);
        resolve();
      },
    );
  });
}
