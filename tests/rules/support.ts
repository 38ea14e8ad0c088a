/**
 * Real parts for the rules tests: mosquitto with a password file, records on PGlite or PostgreSQL,
 * and simulator models on a fake clock publishing through protocol's encoder over one MQTT client,
 * stepped so that every message is in rules before its timers are evaluated.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { lastWill } from '../../src/protocol/index.ts';
import { openRecords, type Records } from '../../src/records/index.ts';
import { openServiceDesk, type ServiceDesk } from '../../src/records/service/index.ts';
import { type Rules, rulesOptions, startRules } from '../../src/rules/index.ts';
import type { RulesOptions } from '../../src/rules/options.ts';
import { type AnyModel, createModel, type ModelSink, type SimDevice } from '../../src/simulators/index.ts';
import { type RunningServer, startMosquitto, tempDir } from '../support/servers.ts';
import { lendStore, storeDataDir } from '../support/shared-store.ts';

export const silent = pino({ level: process.env.FM_TEST_LOG ?? 'silent' });
export const SECRET = 'rules-test-secret-0123456789';
/** mosquitto's password file cannot hold a ':' in a user name, so the tests use `service-rules`. */
export const RULES_USER = 'service-rules';
export const PUBLISHER = 'test-publisher';

export async function startBroker(
  deviceIds: readonly string[] = [],
): Promise<RunningServer & { url: string }> {
  const dir = tempDir('passwd');
  chmodSync(dir, 0o755);
  const file = join(dir, 'passwd');
  // Plain `user:password` lines hashed in place by one call (-U): one call per device takes seconds for 200.
  writeFileSync(file, [RULES_USER, PUBLISHER, ...deviceIds].map((u) => `${u}:${SECRET}\n`).join(''));
  execFileSync('mosquitto_passwd', ['-U', file]);
  chmodSync(file, 0o644);
  const broker = await startMosquitto([`password_file ${file}`, 'max_queued_messages 100000']);
  return { ...broker, url: `mqtt://127.0.0.1:${broker.port}` };
}

export interface Store {
  records: Records;
  desk: ServiceDesk;
  close(): Promise<void>;
}

export async function openStore(
  clock: FakeClock,
  databaseUrl?: string,
  lang: 'en' | 'zh-CN' = 'en',
): Promise<Store> {
  const records = await openRecords({
    databaseUrl,
    dataDir: databaseUrl ? tempDir('rules-data') : storeDataDir('rules-data'),
    db: databaseUrl ? undefined : await lendStore(),
    log: silent,
    now: clock.now,
  });
  const desk = openServiceDesk({ db: records.db, log: silent, now: clock.now, lang });
  return { records, desk, close: () => records.close() };
}

export class FakeClock {
  constructor(public t: number) {}
  now = (): number => this.t;
}

export interface EstateDevice extends SimDevice {
  floor?: number;
  location?: string;
}

export async function registerEstate(
  records: Records,
  site: string,
  devices: readonly EstateDevice[],
): Promise<void> {
  await records.addSite({ id: site, name: `Estate ${site}`, timezone: 'Asia/Shanghai' });
  await records.addBuilding({ site, id: 'T1', name: 'Tower 1', floors: 33, basements: 2 });
  await records.addArea({ site, id: 'tower1-lobby', name: 'Tower 1 lobby', building: 'T1' });
  await records.addDevices(
    devices.map((d) => ({
      id: d.deviceId,
      site,
      kind: d.kind,
      building: d.building,
      floor: d.floor,
      location: d.location,
      intervalS: d.interval_s ?? 10,
      secret: SECRET,
    })),
  );
}

export function rulesFor(
  url: string,
  store: Store,
  clock: FakeClock,
  options: Partial<RulesOptions> = {},
  clientId = `service-rules-${Math.random().toString(36).slice(2)}`,
): Promise<Rules> {
  return startRules({
    options: rulesOptions({
      lang: 'en',
      tickMs: 0,
      refreshMs: 0,
      grafanaUrl: 'http://grafana.test',
      ...options,
    }),
    log: silent,
    now: clock.now,
    records: store.records,
    desk: store.desk,
    mqtt: { url, username: RULES_USER, password: SECRET, clientId },
  });
}

/**
 * The Sims publishing to each rules instance. Its `messages` counter counts what all of them sent,
 * so a step waits for their sum: measured against one Sim's own count, a second Sim's step would
 * not wait at all and rules would evaluate its timers while the step's messages are still on the way.
 */
const feeding = new WeakMap<Rules, Set<Sim>>();

/**
 * Models of a site on the fake clock. `step()` advances the clock, ticks every model, publishes
 * what they produced (QoS 1, status retained; a dropped link publishes the will as the broker
 * would), waits until rules has received all of it, then lets rules evaluate its timers.
 */
export class Sim {
  readonly models = new Map<string, AnyModel>();
  published = 0;
  private out: { topic: string; payload: string; retain: boolean }[] = [];

  private constructor(
    readonly site: string,
    readonly clock: FakeClock,
    readonly client: MqttClient,
  ) {}

  static async start(
    url: string,
    site: string,
    clock: FakeClock,
    devices: readonly SimDevice[],
  ): Promise<Sim> {
    const client = await mqtt.connectAsync(url, {
      username: PUBLISHER,
      password: SECRET,
      clientId: `pub-${Math.random().toString(36).slice(2)}`,
    });
    const sim = new Sim(site, clock, client);
    for (const d of devices) {
      const sink: ModelSink = {
        publish: (m) => sim.out.push({ topic: m.topic, payload: m.payload, retain: m.channel === 'status' }),
        drop: () => {
          const will = lastWill({ site, kind: d.kind, deviceId: d.deviceId });
          sim.out.push({ topic: will.topic, payload: will.payload, retain: true });
        },
        restore: () => queueMicrotask(() => sim.models.get(d.deviceId)?.onConnect()),
      };
      const model = createModel(d, { site, start: clock.t, seed: 7 }, sink);
      sim.models.set(d.deviceId, model);
      model.onConnect();
    }
    return sim;
  }

  async flush(rules: Rules): Promise<void> {
    await new Promise((r) => queueMicrotask(() => r(undefined)));
    const batch = this.out.splice(0);
    await Promise.all(
      batch.map((m) => this.client.publishAsync(m.topic, m.payload, { qos: 1, retain: m.retain })),
    );
    this.published += batch.length;
    const sims = feeding.get(rules) ?? new Set<Sim>();
    feeding.set(rules, sims.add(this));
    const sent = [...sims].reduce((n, s) => n + s.published, 0);
    const deadline = Date.now() + 10_000;
    while ((rules.counters().messages ?? 0) < sent) {
      if (Date.now() > deadline) throw new Error(`rules received ${rules.counters().messages} of ${sent}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** Runs simulated time forward by `ms` in steps of `stepMs`, calling `each(elapsed)` before each step. */
  async run(rules: Rules, ms: number, stepMs = 5000, each?: (now: number) => void): Promise<void> {
    const end = this.clock.t + ms;
    while (this.clock.t < end) {
      each?.(this.clock.t);
      this.clock.t = Math.min(end, this.clock.t + stepMs);
      for (const m of this.models.values()) m.tick(this.clock.t);
      await this.flush(rules);
      await rules.tick();
    }
  }

  async stop(): Promise<void> {
    await this.client.endAsync();
  }
}

export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
