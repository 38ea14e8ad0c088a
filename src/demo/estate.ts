import type { Kind } from '../protocol/index.ts';

/**
 * The demo estate `facility start` creates on first run so there is something to see: six
 * residential towers of a typical estate, two lifts each, a pump room per three towers, stair and
 * garden lighting circuits, and NVRs at the gatehouse and in the garage.
 */
export interface DemoDevice {
  deviceId: string;
  kind: Kind;
  building?: string;
  floor?: number;
  location: string;
  model: string;
  intervalS: number;
}

export interface DemoBuilding {
  id: string;
  name: string;
  floors: number;
  basements: number;
}

export const DEMO_SITE = {
  id: 'demo',
  name: '示范小区 Demo Estate',
  address: '1 Example Road',
  timezone: 'Asia/Shanghai',
} as const;

export const DEMO_BUILDINGS: DemoBuilding[] = [1, 2, 3, 4, 5, 6].map((n) => ({
  id: `B${n}`,
  name: `${n}号楼 Building ${n}`,
  floors: n <= 3 ? 18 : 33,
  basements: 2,
}));

export function demoDevices(): DemoDevice[] {
  const devices: DemoDevice[] = [];
  for (const b of DEMO_BUILDINGS) {
    for (const car of [1, 2]) {
      devices.push({
        deviceId: `L-${b.id}-${car}`,
        kind: 'lift',
        building: b.id,
        location: `${b.name} lift ${car}`,
        model: 'TK-EVO-200',
        intervalS: 10,
      });
    }
    devices.push({
      deviceId: `LC-${b.id}-STAIR`,
      kind: 'lighting',
      building: b.id,
      location: `${b.name} stairwell lighting`,
      model: 'LCC-8',
      intervalS: 30,
    });
  }
  for (const [i, b] of ['B1', 'B4'].entries()) {
    devices.push({
      deviceId: `P-${i + 1}`,
      kind: 'pump',
      building: b,
      floor: -2,
      location: `${b} basement pump room`,
      model: 'GRUNDFOS-HYDRO-MPC',
      intervalS: 10,
    });
  }
  for (const area of ['NORTH', 'SOUTH', 'GARDEN']) {
    devices.push({
      deviceId: `LC-${area}`,
      kind: 'lighting',
      location: `${area.toLowerCase()} road lighting`,
      model: 'LCC-8',
      intervalS: 30,
    });
  }
  devices.push(
    { deviceId: 'NVR-GATE', kind: 'cctv', location: 'gatehouse NVR', model: 'NVR-16', intervalS: 30 },
    { deviceId: 'NVR-GARAGE', kind: 'cctv', location: 'garage NVR', model: 'NVR-32', intervalS: 30 },
  );
  return devices;
}
