import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ID_PATTERN, KINDS, type Kind } from '../protocol/index.ts';
import type { SimDevice } from './models.ts';

export interface FleetCounts {
  lifts: number;
  pumps: number;
  lighting: number;
  cctv: number;
}

export interface PlannedBuilding {
  id: string;
  floors: number;
  basements: number;
}

/** A device to register; provisioning adds the secret the registry issues. */
export type PlannedDevice = Omit<SimDevice, 'secret'> & { building?: string; location: string };

export interface FleetPlan {
  buildings: PlannedBuilding[];
  devices: PlannedDevice[];
}

/**
 * Issues credentials for a planned fleet. The registry implementation registers `plan.buildings`
 * and `plan.devices` (records `addDevices`) and returns each device with the secret it was issued.
 */
export type ProvisionFleet = (counts: FleetCounts, site: string) => Promise<SimDevice[]>;

/** A credentials file that cannot be used; the message names the file and the entry. */
export class CredentialsError extends Error {}

const pad = (n: number) => String(n).padStart(4, '0');

/**
 * A plausible estate for the counts: two lifts per tower (towers of 18 and 33 floors over two
 * garage levels), a pump room per three towers' worth of pumps, stair and road lighting, NVRs.
 * Ids are `{site}-L-0001` etc., so several simulated sites can share one registry.
 */
export function planFleet(counts: FleetCounts, site: string): FleetPlan {
  const prefix = site.slice(0, 40);
  const towers = Math.max(1, Math.ceil(counts.lifts / 2));
  const buildings = Array.from({ length: towers }, (_, i) => ({
    id: `B${i + 1}`,
    floors: i % 2 === 0 ? 18 : 33,
    basements: 2,
  }));
  const devices: PlannedDevice[] = [];
  for (let i = 0; i < counts.lifts; i++) {
    const b = buildings[Math.floor(i / 2)]!;
    devices.push({
      deviceId: `${prefix}-L-${pad(i + 1)}`,
      kind: 'lift',
      building: b.id,
      floors: b.floors,
      basements: b.basements,
      interval_s: 10,
      location: `${b.id} lift ${(i % 2) + 1}`,
    });
  }
  for (let i = 0; i < counts.pumps; i++) {
    devices.push({
      deviceId: `${prefix}-P-${pad(i + 1)}`,
      kind: 'pump',
      interval_s: 10,
      pumps_total: 3,
      location: `pump room ${i + 1}`,
    });
  }
  for (let i = 0; i < counts.lighting; i++) {
    // Stairwell circuits carry emergency luminaires; every third circuit is road lighting on a timer.
    const road = i % 3 === 2;
    devices.push({
      deviceId: `${prefix}-LC-${pad(i + 1)}`,
      kind: 'lighting',
      interval_s: 30,
      lamps_total: road ? 24 : 40,
      emergency: !road,
      mode: road ? 'schedule' : 'photocell',
      location: road ? `road lighting ${i + 1}` : `stairwell lighting ${i + 1}`,
    });
  }
  for (let i = 0; i < counts.cctv; i++) {
    devices.push({
      deviceId: `${prefix}-NVR-${pad(i + 1)}`,
      kind: 'cctv',
      interval_s: 30,
      cameras_total: 16,
      location: `NVR ${i + 1}`,
    });
  }
  return { buildings: buildings.slice(0, counts.lifts > 0 ? towers : 0), devices };
}

/**
 * One entry of a credentials file, the one schema for both writers: `facility start` writes the
 * demo estate's (src/demo/provision.ts, with the registry's `site` and `intervalS`) and people
 * write their own (`interval_s`, as the status message spells it). Unknown keys are refused so a
 * misspelt option is not silently ignored.
 */
export const credentialEntry = z
  .object({
    deviceId: z.string().regex(ID_PATTERN, 'device ids are [A-Za-z0-9_-]{1,64}'),
    kind: z.enum(KINDS),
    secret: z.string().min(1),
    site: z.string().regex(ID_PATTERN, 'site ids are [A-Za-z0-9_-]{1,64}').optional(),
    interval_s: z.number().int().min(1).max(86_400).optional(),
    /** The registry's spelling of `interval_s`. */
    intervalS: z.number().int().min(1).max(86_400).optional(),
    building: z.string().optional(),
    floors: z.number().int().min(2).max(200).optional(),
    basements: z.number().int().min(0).max(10).optional(),
    pumps_total: z.number().int().min(1).max(16).optional(),
    lamps_total: z.number().int().min(1).max(1000).optional(),
    emergency: z.boolean().optional(),
    mode: z.enum(['photocell', 'schedule']).optional(),
    cameras_total: z.number().int().min(1).max(512).optional(),
    disks_total: z.number().int().min(1).max(64).optional(),
  })
  .strict();
export type CredentialEntry = z.infer<typeof credentialEntry>;

export const credentialsSchema = z.array(credentialEntry).min(1);

/** What a credentials file holds: the devices, and the site they share if the file says one. */
export interface LoadedCredentials {
  devices: SimDevice[];
  site?: string;
}

/** Reads a `--credentials` file: a JSON array of `{deviceId, kind, secret, ...model options}`. */
export function loadCredentials(file: string): LoadedCredentials {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CredentialsError(`${file}: cannot read it as JSON (${(err as Error).message})`);
  }
  const result = credentialsSchema.safeParse(json);
  if (!result.success) {
    throw new CredentialsError(
      result.error.issues
        .map(
          (i) =>
            `${file}: ${
              i.path
                .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
                .join('')
                .replace(/^\./, '') || '(file)'
            }: ${i.message}`,
        )
        .join('\n'),
    );
  }
  const seen = new Set<string>();
  const sites = new Set<string>();
  const devices: SimDevice[] = [];
  for (const { site, intervalS, interval_s, ...d } of result.data) {
    if (seen.has(d.deviceId)) throw new CredentialsError(`${file}: device ${d.deviceId} is listed twice`);
    seen.add(d.deviceId);
    if (site) sites.add(site);
    const interval = interval_s ?? intervalS;
    devices.push(interval === undefined ? d : { ...d, interval_s: interval });
  }
  // One fleet publishes under one site's topics (docs/mqtt-contract.md).
  if (sites.size > 1)
    throw new CredentialsError(
      `${file}: devices of several sites (${[...sites].join(', ')}); run one file per site`,
    );
  return { devices, site: [...sites][0] };
}

export function countKinds(devices: readonly { kind: Kind }[]): Record<Kind, number> {
  const counts = { lift: 0, pump: 0, lighting: 0, cctv: 0 };
  for (const d of devices) counts[d.kind]++;
  return counts;
}
