import type { Kind } from '../protocol/index.ts';
import { CctvModel } from './cctv.ts';
import { LiftModel } from './lift.ts';
import { LightingModel } from './lighting.ts';
import type { DeviceModel, ModelSink } from './model.ts';
import { PumpModel } from './pump.ts';

/** One simulated device as the fleet runner and the credentials file describe it. */
export interface SimDevice {
  deviceId: string;
  kind: Kind;
  /** Issued at registration; the device's MQTT password. */
  secret: string;
  /** Registered reporting interval, seconds (default 10). */
  interval_s?: number;
  building?: string;
  /** Lift: floors above ground (default 18) and basements (default 2). */
  floors?: number;
  basements?: number;
  /** Pump room: pumps in the booster set (default 3). */
  pumps_total?: number;
  /** Lighting: lamps on the circuit (default 40), emergency luminaires (default true), switching. */
  lamps_total?: number;
  emergency?: boolean;
  mode?: 'photocell' | 'schedule';
  /** CCTV: cameras (default 16) and disks (default 4) of the NVR. */
  cameras_total?: number;
  disks_total?: number;
}

/** What every model of a fleet shares. */
export interface SiteContext {
  site: string;
  /** Simulated start time, epoch ms. */
  start: number;
  seed?: number;
  timezone?: string;
  latitude?: number;
  longitude?: number;
}

export type AnyModel = DeviceModel<Kind>;

export function createModel(device: SimDevice, site: SiteContext, sink: ModelSink): AnyModel {
  const common = {
    site: site.site,
    deviceId: device.deviceId,
    interval_s: device.interval_s ?? 10,
    start: site.start,
    sink,
    seed: site.seed,
    timezone: site.timezone,
  };
  switch (device.kind) {
    case 'lift':
      return new LiftModel({ ...common, floors: device.floors ?? 18, basements: device.basements ?? 2 });
    case 'pump':
      return new PumpModel({ ...common, pumps_total: device.pumps_total });
    case 'lighting':
      return new LightingModel({
        ...common,
        lamps_total: device.lamps_total,
        emergency: device.emergency,
        mode: device.mode,
        latitude: site.latitude,
        longitude: site.longitude,
      });
    case 'cctv':
      return new CctvModel({
        ...common,
        cameras_total: device.cameras_total,
        disks_total: device.disks_total,
      });
  }
}
