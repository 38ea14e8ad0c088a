import {
  type CommandPayload,
  type DeviceAddress,
  type DeviceChannel,
  type Encoded,
  EVENT_CODES,
  encode,
  encodeReply,
  type Kind,
  type PayloadIn,
  type REPLY_CHANNEL,
  type ReplyResult,
} from '../protocol/index.ts';
import { hashSeed, Rng } from './prng.ts';

/** Faults every kind can show that are not device event codes: the platform derives them itself. */
export const LINK_FAULTS = ['heartbeat_loss', 'offline'] as const;
export type LinkFault = (typeof LINK_FAULTS)[number];

/** Every fault a model of a kind can be told to develop: its protocol event codes plus the link faults. */
export function faultsOf(kind: Kind): string[] {
  return [...EVENT_CODES[kind].map((c) => c.code), ...LINK_FAULTS];
}

/** A message a model wants on the wire; the fleet picks QoS and retain per channel. */
export interface OutMessage extends Encoded {
  channel: DeviceChannel | typeof REPLY_CHANNEL;
  deviceId: string;
}

/** Where a model's output goes: an MQTT client in the fleet, an array in tests. */
export interface ModelSink {
  publish(message: OutMessage): void;
  /** The `offline` fault: drop the connection without DISCONNECT so the broker publishes the will. */
  drop(): void;
  /** `offline` cleared: connect again; the fleet calls `onConnect()` once connected. */
  restore(): void;
}

export interface ModelOptions {
  site: string;
  deviceId: string;
  /** The device's registered reporting interval; heartbeat loss is three of them missed. */
  interval_s: number;
  /** Simulated time the model starts at, epoch ms. */
  start: number;
  sink: ModelSink;
  /** Mixed with the device id, so a fleet replays identically from one seed. */
  seed?: number;
  /** IANA zone of the site; daily profiles run on local time. */
  timezone?: string;
  firmware?: string;
}

/** Events raised while the link is down are kept (bounded) and sent after reconnecting, as devices do. */
const MAX_PENDING_EVENTS = 50;
/** Answers remembered by command id, so a repeat is answered again without acting twice. */
const REMEMBERED_COMMANDS = 100;

/** What a device answers a command with (docs/mqtt-contract.md, "Commands"). */
export interface CommandAnswer {
  result: ReplyResult;
  detail?: string;
}

/**
 * What all four models share: the simulated clock, the message counter, the telemetry schedule,
 * the set of active faults, the link faults and the event envelope. A kind supplies the physics
 * (`advance`), the readings and how each of its faults changes them (`apply`).
 */
export abstract class DeviceModel<K extends Kind> {
  readonly address: DeviceAddress & { kind: K };
  readonly intervalMs: number;
  protected readonly rng: Rng;
  protected readonly timezone: string;
  protected readonly active = new Set<string>();
  /** Faults a real controller of this kind reports on its event channel; the rest only show in readings. */
  protected abstract readonly reported: ReadonlySet<string>;
  /** Longest physics step; lifts need sub-second steps, a pump room does not. */
  protected abstract readonly maxStepMs: number;
  private t: number;
  private seq = 0;
  private nextTelemetryAt: number;
  private pending: OutMessage[] = [];
  private readonly answers = new Map<string, CommandAnswer>();
  private readonly sink: ModelSink;
  private readonly firmware: string;

  constructor(kind: K, options: ModelOptions) {
    this.address = { site: options.site, kind, deviceId: options.deviceId };
    this.intervalMs = options.interval_s * 1000;
    this.rng = new Rng(hashSeed(options.deviceId, options.seed ?? 1));
    this.timezone = options.timezone ?? 'Asia/Shanghai';
    this.sink = options.sink;
    this.firmware = options.firmware ?? 'sim-1.0';
    this.t = options.start;
    // Spread first reports over one interval so 10,000 devices do not publish in the same tick.
    this.nextTelemetryAt = options.start + Math.floor(this.rng.next() * this.intervalMs);
  }

  get kind(): K {
    return this.address.kind;
  }

  get deviceId(): string {
    return this.address.deviceId;
  }

  /** Current simulated time, epoch ms. */
  now(): number {
    return this.t;
  }

  faults(): string[] {
    return [...this.active];
  }

  /** The connection is up: announce it (retained `online`) and send events kept while it was down. */
  onConnect(): void {
    this.send('status', {
      ts: this.t,
      seq: this.nextSeq(),
      state: 'online',
      firmware: this.firmware,
      interval_s: this.intervalMs / 1000,
    } as PayloadIn<K, 'status'>);
    const pending = this.pending;
    this.pending = [];
    for (const m of pending) this.sink.publish(m);
  }

  /** Runs the model up to `now`, publishing telemetry on its schedule. Never goes backwards. */
  tick(now: number): void {
    while (this.t < now) {
      const dt = Math.min(this.maxStepMs, now - this.t, Math.max(1, this.nextTelemetryAt - this.t));
      this.advance(dt);
      this.t += dt;
      if (this.t >= this.nextTelemetryAt) {
        this.nextTelemetryAt += this.intervalMs;
        if (!this.active.has('heartbeat_loss') && !this.active.has('offline')) {
          this.send('telemetry', { ts: this.t, seq: this.nextSeq(), ...this.readings() } as PayloadIn<
            K,
            'telemetry'
          >);
        }
      }
    }
  }

  step(dtMs: number): void {
    this.tick(this.t + dtMs);
  }

  /** Develops a fault. False when it is already active or does not apply to this device. */
  raise(code: string, detail?: string): boolean {
    if (this.active.has(code) || !faultsOf(this.kind).includes(code)) return false;
    if (code === 'offline') {
      this.active.add(code);
      this.sink.drop();
      return true;
    }
    if (code !== 'heartbeat_loss' && !this.apply(code, true)) return false;
    this.active.add(code);
    if (this.reported.has(code)) this.event(code, 'raised', detail);
    return true;
  }

  /** Recovers from a fault. False when it was not active. */
  clear(code: string, detail?: string): boolean {
    if (!this.active.delete(code)) return false;
    if (code === 'offline') {
      this.sink.restore();
      return true;
    }
    if (code !== 'heartbeat_loss') this.apply(code, false);
    if (this.reported.has(code)) this.event(code, 'cleared', detail);
    return true;
  }

  /**
   * Carries out a command and publishes the answer on the reply channel. The command id is the
   * idempotency key: a repeat (QoS 1 redelivery, the platform publishing again after a restart)
   * gets the first answer again and changes nothing. Expiry is the caller's check (wall time).
   */
  command(cmd: CommandPayload): CommandAnswer {
    let answer = this.answers.get(cmd.id);
    if (!answer) {
      answer = this.carryOut(cmd.command);
      this.answers.set(cmd.id, answer);
      if (this.answers.size > REMEMBERED_COMMANDS) this.answers.delete(this.answers.keys().next().value!);
    }
    const reply = encodeReply(this.address, { id: cmd.id, ts: this.t, seq: this.nextSeq(), ...answer });
    if (!this.active.has('offline'))
      this.sink.publish({ ...reply, channel: 'reply', deviceId: this.deviceId });
    return answer;
  }

  /** `report-now` for every kind; a kind with more commands (lighting's reset) extends this. */
  protected carryOut(command: CommandPayload['command']): CommandAnswer {
    if (command !== 'report-now')
      return { result: 'refused', detail: `${this.kind} devices do not take ${command}` };
    return this.reportNow();
  }

  /** Publishes a reading at once, off the interval schedule. */
  protected reportNow(): CommandAnswer {
    if (this.active.has('heartbeat_loss'))
      return { result: 'failed', detail: 'the controller is not reporting' };
    this.send('telemetry', { ts: this.t, seq: this.nextSeq(), ...this.readings() } as PayloadIn<
      K,
      'telemetry'
    >);
    return { result: 'done' };
  }

  /** Whether the device itself reports this fault as an event (else the platform derives it from readings). */
  reports(code: string): boolean {
    return this.reported.has(code);
  }

  protected abstract advance(dtMs: number): void;
  protected abstract readings(): Omit<PayloadIn<K, 'telemetry'>, 'ts' | 'seq'>;
  /** Changes the state for a fault beginning (`on`) or ending; false when it does not apply. */
  protected abstract apply(code: string, on: boolean): boolean;
  /** Fields a kind adds to an event (the floor, the pump, the camera). */
  protected eventFields(_code: string): Record<string, unknown> {
    return {};
  }

  private event(code: string, state: 'raised' | 'cleared', detail?: string): void {
    const data = {
      ts: this.t,
      seq: this.nextSeq(),
      code,
      state,
      ...this.eventFields(code),
      ...(detail ? { detail } : {}),
    };
    this.send('event', data as PayloadIn<K, 'event'>);
  }

  private nextSeq(): number {
    return this.seq++;
  }

  private send<C extends DeviceChannel>(channel: C, data: PayloadIn<K, C>): void {
    const message: OutMessage = { ...encode(this.address, channel, data), channel, deviceId: this.deviceId };
    if (!this.active.has('offline')) this.sink.publish(message);
    else if (channel === 'event' && this.pending.length < MAX_PENDING_EVENTS) this.pending.push(message);
  }
}

/** Rounds a reading the way a device's display and register would. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
