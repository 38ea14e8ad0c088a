import type { Kind } from '../protocol/topics.ts';

/** What the broker needs to know of a registered device to authenticate and authorize it. */
export interface RegisteredDevice {
  deviceId: string;
  site: string;
  kind: Kind;
  /** scrypt hash from records/secrets.ts; the secret itself is never stored. */
  secretHash: string;
  revokedAt: Date | null;
}

/** Looks devices up by id; implemented by the records store. Read on every connect, so revocation is immediate. */
export interface DeviceDirectory {
  findDevice(deviceId: string): Promise<RegisteredDevice | undefined>;
}
