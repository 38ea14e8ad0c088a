import type { IClientOptions } from 'mqtt';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { DeviceChannel } from '../protocol/index.ts';
import type { OutMessage } from './model.ts';
import type { AnyModel, SimDevice } from './models.ts';
import type { Scenario } from './scenario.ts';

type Qos = 0 | 1;

/** What runFleet (fleet.ts) takes, reports and returns. */
export interface FleetOptions {
  /** e.g. `mqtt://127.0.0.1:1883`. */
  brokerUrl: string;
  site: string;
  devices: readonly SimDevice[];
  scenario?: Scenario;
  /** Wall clock, epoch ms; tests may pass a fake one. */
  clock?: Clock;
  log: Logger;
  /** Simulated ms per wall-clock ms (default 1). */
  speed?: number;
  /**
   * Simulated time at the start, epoch ms (default: now). With speed > 1 the CLI starts in the past
   * so the run ends at the present and device timestamps are never in the future.
   */
  start?: number;
  /** Period of the one shared loop that ticks every model, wall ms (default 250). */
  tickMs?: number;
  /** QoS per channel; default 0 for telemetry, 1 for events and status. */
  qos?: Partial<Record<DeviceChannel, Qos>>;
  /** Connects started per second, so 10,000 devices do not hit the broker at once (default 200). */
  connectsPerSecond?: number;
  /** Unacknowledged publishes per device before its telemetry is skipped (default 20). */
  maxInflightPerDevice?: number;
  /** Unacknowledged publishes over the fleet before telemetry is skipped (default 20,000). */
  maxInflight?: number;
  seed?: number;
  timezone?: string;
  latitude?: number;
  longitude?: number;
  /**
   * Devices subscribe to their command topic and answer commands (default true). The fleet's
   * sessions are clean: a command sent while a simulated device is offline is not kept for it.
   */
  commands?: boolean;
  /** Extra MQTT client options (TLS, reconnect period, `servers` to fail over between broker nodes). */
  mqttOptions?: IClientOptions;
  /**
   * Called for each message the client accepted: at QoS 1 once the broker's PUBACK arrived, the
   * point from which the platform owes the message to its stores (the cluster tests count on it).
   */
  onPublished?: (message: OutMessage, qos: Qos) => void;
}

export interface FleetStats {
  devices: number;
  connected: number;
  /** Publishes the client accepted (QoS 0 written, QoS 1 acknowledged). */
  published: number;
  /** Publishes that failed (connection lost with the message in flight, broker refused). */
  failed: number;
  /** Telemetry skipped for back-pressure or while disconnected; devices do not buffer readings. */
  dropped: number;
  connectErrors: number;
  /** Devices that connected at least once during the run (a device refused throughout never does). */
  everConnected: number;
  /** The latest connection error, to say why when devices stay out. */
  lastConnectError?: string;
  faultsApplied: number;
  /** Commands carried out or refused, and those dropped (expired, or not a valid command). */
  commandsAnswered: number;
  commandsDropped: number;
}

export interface Fleet {
  stop(): Promise<void>;
  stats(): FleetStats;
  /** The live model of a device (for tests and a future command channel). */
  model(deviceId: string): AnyModel | undefined;
  /** Raises or clears a fault now, as a scenario step would. */
  inject(deviceId: string, fault: string, action: 'raise' | 'clear'): boolean;
  /** Simulated time now. */
  now(): number;
}
