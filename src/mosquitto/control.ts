/**
 * The dynamic security plugin's API: JSON commands published to `$CONTROL/dynamic-security/v1`,
 * answers on `.../response`, matched by `correlationData` (mosquitto 2.0
 * plugins/dynamic-security/plugin.c; mosquitto_ctrl speaks the same).
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../log.ts';
import type { Command } from './plan.ts';

const REQUEST = '$CONTROL/dynamic-security/v1';
const RESPONSE = `${REQUEST}/response`;
/** Commands per message: the plugin answers a message's commands in one response. */
const BATCH = 100;
const TIMEOUT_MS = 15_000;

export interface Answer {
  command: string;
  error?: string;
  data?: Record<string, unknown>;
}

export interface DynsecConnection {
  /** Sends the commands in order; answers in the same order. */
  send(commands: Command[]): Promise<Answer[]>;
  connected(): boolean;
  /** Called after every (re)connection, once the response topic is subscribed. */
  onConnect(listener: () => void): void;
  close(): Promise<void>;
}

export interface DynsecAdmin {
  url: string;
  username: string;
  password: string;
  clientId?: string;
}

export function connectDynsec(admin: DynsecAdmin, log: Logger): DynsecConnection {
  const pending = new Map<string, (a: Answer) => void>();
  const listeners: (() => void)[] = [];
  const client: MqttClient = mqtt.connect(admin.url, {
    username: admin.username,
    password: admin.password,
    clientId: admin.clientId ?? `fm-dynsec-sync-${randomUUID().slice(0, 8)}`,
    protocolVersion: 5,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  client.on('connect', () => {
    client.subscribe(RESPONSE, { qos: 1 }, (err, granted) => {
      if (err || granted?.[0]?.qos === 128) {
        log.error(
          { err: err?.message },
          'mosquitto refused the dynamic security response topic to the admin',
        );
        return;
      }
      for (const l of listeners) l();
    });
  });
  client.on('error', (err) => log.warn({ err: err.message }, 'mosquitto admin connection'));
  client.on('message', (_topic, payload) => {
    let body: { responses?: (Answer & { correlationData?: string })[] };
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      return log.warn('unreadable dynamic security response');
    }
    for (const r of body.responses ?? []) {
      const done = r.correlationData && pending.get(r.correlationData);
      if (done) {
        pending.delete(r.correlationData!);
        done(r);
      }
    }
  });

  const sendBatch = (commands: Command[]): Promise<Answer[]> => {
    const ids = commands.map(() => randomUUID());
    const answers = ids.map(
      (id) =>
        new Promise<Answer>((resolve, reject) => {
          const timer = setTimeout(() => {
            pending.delete(id);
            reject(new Error('mosquitto did not answer a dynamic security command in time'));
          }, TIMEOUT_MS);
          pending.set(id, (a) => {
            clearTimeout(timer);
            resolve(a);
          });
        }),
    );
    const body = { commands: commands.map((c, i) => ({ ...c, correlationData: ids[i] })) };
    client.publish(REQUEST, JSON.stringify(body), { qos: 1 }, (err) => {
      if (err) for (const id of ids) pending.get(id)?.({ command: 'publish', error: err.message });
    });
    return Promise.all(answers);
  };

  return {
    async send(commands) {
      if (!client.connected) throw new Error('not connected to mosquitto');
      const out: Answer[] = [];
      for (let i = 0; i < commands.length; i += BATCH)
        out.push(...(await sendBatch(commands.slice(i, i + BATCH))));
      return out;
    },
    connected: () => client.connected,
    onConnect: (listener) => {
      listeners.push(listener);
    },
    close: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
  };
}
