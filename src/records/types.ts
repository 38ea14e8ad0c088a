import type { Kind } from '../protocol/index.ts';

/** What the broker needs to know of a registered device to authenticate and authorize it. */
export interface RegisteredDevice {
  deviceId: string;
  site: string;
  kind: Kind;
  /** Building id within the site, when the device is in one (a tag on its readings). */
  building: string | null;
  /** Telemetry period, seconds; three missed periods are a heartbeat loss. */
  intervalS: number;
  /** Keyed hash from records/secrets.ts; the secret itself is never stored. */
  secretHash: string;
  /** When the secret was last replaced; a session authenticated before that is ended. */
  secretRotatedAt: Date | null;
  revokedAt: Date | null;
}

/** Devices whose secret or revocation changed, and where to continue from next time. */
export interface DeviceChanges {
  devices: RegisteredDevice[];
  /** Opaque; pass it to the next call. */
  cursor: string;
}

/**
 * Looks devices up by id; implemented by the records store. Read on every connect, so a revoked
 * device is refused at once, and followed through `changedDevices` so that its live session ends.
 */
export interface DeviceDirectory {
  findDevice(deviceId: string): Promise<RegisteredDevice | undefined>;
  /**
   * Devices revoked or rotated since `cursor` (from the previous answer; undefined: start now).
   * May repeat a change near the cursor; a reader must treat changes as idempotent.
   */
  changedDevices(cursor: string | undefined): Promise<DeviceChanges>;
  /** Replaces a device's stored hash by an equivalent one, unless it changed meanwhile. */
  upgradeSecretHash(deviceId: string, from: string, to: string): Promise<void>;
}
