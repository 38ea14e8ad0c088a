import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { openRecords, RecordsError } from '../records/index.ts';
import { type ProvisionFleet, planFleet } from '../simulators/index.ts';
import { apiBase, apiProvisioner } from './simulate-api.ts';

/**
 * `facility simulate`'s credentials from the device registry: creates the site and buildings the
 * plan needs, registers new devices and rotates the secrets of ones registered by an earlier run
 * (secrets are never stored in clear, so a new run cannot learn the old ones). The store is closed
 * before the fleet runs, so in embedded mode the single-writer lock is held only briefly. When
 * `facility start` holds that lock (embedded mode), the running platform registers the fleet
 * through its API instead, so one command works against the running demo.
 */
export function registryProvisioner(config: Config, log: Logger): ProvisionFleet {
  return async (counts, site) => {
    const plan = planFleet(counts, site);
    let records: Awaited<ReturnType<typeof openRecords>>;
    try {
      records = await openRecords({ databaseUrl: config.DATABASE_URL, dataDir: config.FM_DATA_DIR, log });
    } catch (err) {
      if (!(err instanceof RecordsError && err.code === 'records-locked')) throw err;
      log.info(
        { api: apiBase(config) },
        'registry held by the running platform: provisioning through its API',
      );
      return apiProvisioner(config)(counts, site);
    }
    try {
      if (!(await records.listSites()).some((s) => s.id === site))
        await records.addSite({ id: site, name: site });
      const buildings = new Set((await records.listBuildings(site)).map((b) => b.id));
      for (const b of plan.buildings.filter((b) => !buildings.has(b.id))) {
        await records.addBuilding({ site, id: b.id, name: b.id, floors: b.floors, basements: b.basements });
      }
      const existing = new Map(
        (await records.listDevices({ site, includeRevoked: true })).map((d) => [d.id, d.revokedAt]),
      );
      const fresh = plan.devices.filter((d) => !existing.has(d.deviceId));
      const issued = await records.addDevices(
        fresh.map((d) => ({
          id: d.deviceId,
          site,
          kind: d.kind,
          building: d.building,
          location: d.location,
          intervalS: d.interval_s,
        })),
      );
      const secrets = new Map(issued.map((i) => [i.device.id, i.secret]));
      for (const d of plan.devices) {
        const revokedAt = existing.get(d.deviceId);
        if (revokedAt === undefined || secrets.has(d.deviceId)) continue;
        if (revokedAt !== null) throw new RecordsError('device-revoked', `device ${d.deviceId} is revoked`);
        secrets.set(d.deviceId, await records.rotateDeviceSecret(d.deviceId));
      }
      log.info(
        { site, registered: fresh.length, rotated: plan.devices.length - fresh.length },
        'fleet provisioned',
      );
      return plan.devices.map((d) => ({ ...d, secret: secrets.get(d.deviceId)! }));
    } finally {
      await records.close();
    }
  };
}
