/** The demo estate's simulated devices, each modelled as its building makes it (floors, luminaires). */
import type { Logger } from '../log.ts';
import { type Fleet, runFleet } from '../simulators/index.ts';
import { DEMO_BUILDINGS, DEMO_SITE } from './estate.ts';
import type { FleetCredential } from './provision.ts';

export function runDemoFleet(
  brokerUrl: string,
  credentials: readonly FleetCredential[],
  log: Logger,
): Promise<Fleet> {
  const buildings = new Map(DEMO_BUILDINGS.map((b) => [b.id, b]));
  return runFleet({
    brokerUrl,
    site: DEMO_SITE.id,
    timezone: DEMO_SITE.timezone,
    log,
    devices: credentials.map((c) => {
      const building = c.building ? buildings.get(c.building) : undefined;
      return {
        deviceId: c.deviceId,
        kind: c.kind,
        secret: c.secret,
        interval_s: c.intervalS,
        building: c.building,
        floors: building?.floors,
        basements: building?.basements,
        // Only the towers' stair circuits have emergency luminaires.
        emergency: c.kind === 'lighting' ? building !== undefined : undefined,
      };
    }),
  });
}
