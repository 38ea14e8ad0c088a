import type { Kind } from '../protocol/topics.ts';

/** What the broker needs to know of a registered device to authenticate and authorize it. */
export interface RegisteredDevice {
  deviceId: string;
  site: string;
  kind: Kind;
  /** Building id within the site, when the device is in one (a tag on its readings). */
  building: string | null;
  /** Telemetry period, seconds; three missed periods are a heartbeat loss. */
  intervalS: number;
  /** scrypt hash from records/secrets.ts; the secret itself is never stored. */
  secretHash: string;
  revokedAt: Date | null;
}

/** Looks devices up by id; implemented by the records store. Read on every connect, so revocation is immediate. */
export interface DeviceDirectory {
  findDevice(deviceId: string): Promise<RegisteredDevice | undefined>;
}
