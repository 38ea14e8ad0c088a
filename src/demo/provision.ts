import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log.ts';
import { type Records, RecordsError } from '../records/index.ts';
import { credentialEntry } from '../simulators/index.ts';
import { DEMO_BUILDINGS, DEMO_SITE, type DemoDevice, demoDevices } from './estate.ts';

/**
 * What the simulated fleet needs to connect each demo device with its own credentials: the
 * simulators' credentials-file entry (so `facility simulate --credentials` reads this file as
 * written), with the site and the registered interval always present.
 */
export const fleetCredentials = z.array(credentialEntry.required({ site: true, intervalS: true }));
export type FleetCredential = z.infer<typeof fleetCredentials>[number];

const FILE = 'demo-credentials.json';

function credential(d: DemoDevice, secret: string): FleetCredential {
  return {
    deviceId: d.deviceId,
    kind: d.kind,
    secret,
    site: DEMO_SITE.id,
    building: d.building,
    intervalS: d.intervalS,
  };
}

function readCredentials(file: string): FleetCredential[] | undefined {
  try {
    return fleetCredentials.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/**
 * Makes sure the demo estate exists and returns its devices' credentials. Secrets are shown once
 * at registration, so the demo keeps them in `<dataDir>/demo-credentials.json` (mode 0600); if that
 * file is lost, the demo devices' secrets are rotated and the file written anew.
 */
export async function provisionDemoEstate(
  records: Records,
  dataDir: string,
  log: Logger,
): Promise<FleetCredential[]> {
  const file = join(dataDir, FILE);
  const devices = demoDevices();
  const exists = (await records.listSites()).some((s) => s.id === DEMO_SITE.id);
  if (!exists) {
    await records.addSite(DEMO_SITE);
    for (const b of DEMO_BUILDINGS) await records.addBuilding({ site: DEMO_SITE.id, ...b });
  }
  const registered = new Set(
    (await records.listDevices({ site: DEMO_SITE.id, includeRevoked: true })).map((d) => d.id),
  );
  const missing = devices.filter((d) => !registered.has(d.deviceId));
  const stored = readCredentials(file);
  const known = new Map((stored ?? []).map((c) => [c.deviceId, c]));
  const result: FleetCredential[] = [];
  if (missing.length > 0) {
    const issued = await records.addDevices(
      missing.map((d) => ({
        id: d.deviceId,
        site: DEMO_SITE.id,
        kind: d.kind,
        model: d.model,
        building: d.building,
        floor: d.floor,
        location: d.location,
        intervalS: d.intervalS,
      })),
    );
    for (const [n, i] of issued.entries()) known.set(i.device.id, credential(missing[n]!, i.secret));
    log.info({ site: DEMO_SITE.id, devices: issued.length }, 'registered demo devices');
  }
  for (const d of devices) {
    let c = known.get(d.deviceId);
    if (!c) {
      try {
        c = credential(d, await records.rotateDeviceSecret(d.deviceId));
      } catch (err) {
        // An operator revoked a demo device on purpose: leave it out of the fleet.
        if (err instanceof RecordsError && err.code === 'device-revoked') continue;
        throw err;
      }
    }
    result.push(c);
  }
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
  return result;
}
