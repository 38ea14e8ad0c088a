import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, dateOf, systemClock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Db } from './db.ts';
import * as devices from './devices.ts';
import { acquireLock } from './lock.ts';
import * as maintenance from './maintenance.ts';
import { migrate } from './migrate.ts';
import { BUILT_SEED, openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import * as sites from './sites.ts';
import type { DeviceDirectory } from './types.ts';

export { expireCommands, markAttemptFailed, type ReplyOutcome, recordReply } from './command-ends.ts';
export {
  COMMAND_STATES,
  COMMANDS_CHANNEL,
  type CommandInput,
  type CommandState,
  claimDueCommands,
  type DeviceCommand,
  getCommand,
  listCommands,
  markSent,
  queueCommand,
} from './commands.ts';
export type { Db, Queryable } from './db.ts';
export {
  type BrokerAccount,
  type Device,
  type DeviceFilter,
  type DeviceInput,
  deviceNotFound,
  type IssuedDevice,
} from './devices.ts';
export { RecordsError, type RecordsErrorCode } from './errors.ts';
export { claimLeases, type LeaseGrant, liveLeases, releaseLeases } from './leases.ts';
export {
  type CurrentWindow,
  currentWindows,
  MAINTENANCE_SCOPES,
  MAINTENANCE_STATES,
  type MaintenanceFilter,
  type MaintenanceInput,
  type MaintenanceScope,
  type MaintenanceState,
  type MaintenanceWindow,
  maintenanceNotFound,
  windowChecks,
} from './maintenance.ts';
export { REPORTING_READER, REPORTING_TABLES } from './reader.ts';
export {
  brokerHashSync,
  hashSecretSync,
  isLegacyHash,
  parseBrokerHash,
  verifyBrokerHash,
  verifySecret,
  verifySecretFast,
} from './secrets.ts';
export { processHolder, runSingleton, type SingletonJob, type SingletonJobOptions } from './singleton.ts';
export {
  type Area,
  type Building,
  type Site,
  type SiteDetail,
  type SiteSummary,
  siteNotFound,
} from './sites.ts';
export type { DeviceChanges, DeviceDirectory, RegisteredDevice } from './types.ts';

export interface RecordsOptions {
  /** PostgreSQL connection string; unset means the embedded PGlite database. */
  databaseUrl?: string;
  /** The embedded database lives in `<dataDir>/records`. */
  dataDir: string;
  log: Logger;
  /** Clock for created/rotated/revoked times; tests pass a fake one. */
  now?: Clock;
  /**
   * A migrated embedded store to start a new one from (default: the build's, dist/seed/records,
   * when running from dist/); `false` always creates. PostgreSQL ignores it.
   */
  seed?: string | false;
  /**
   * A database already open, used instead of opening one (the tests lend one embedded store to
   * many openers: tests/support/shared-store.ts). Migrations still run; `close()` closes it.
   */
  db?: Db;
}

/** The sites and devices registry. Inputs are `unknown` because they are validated here. */
export interface Records extends DeviceDirectory {
  readonly db: Db;
  addSite(input: unknown): Promise<sites.Site>;
  /** Every site, or only these (a sign-in limited to some sites). */
  listSites(only?: readonly string[]): Promise<sites.SiteSummary[]>;
  getSite(id: string): Promise<sites.SiteDetail>;
  addBuilding(input: unknown): Promise<sites.Building>;
  listBuildings(site: string): Promise<sites.Building[]>;
  addArea(input: unknown): Promise<sites.Area>;
  listAreas(site: string): Promise<sites.Area[]>;
  addDevice(input: devices.DeviceInput): Promise<devices.IssuedDevice>;
  addDevices(inputs: readonly devices.DeviceInput[]): Promise<devices.IssuedDevice[]>;
  getDevice(id: string): Promise<devices.Device>;
  listDevices(filter?: devices.DeviceFilter): Promise<devices.Device[]>;
  rotateDeviceSecret(id: string): Promise<string>;
  revokeDevice(id: string): Promise<devices.Device>;
  /** Every device (or those of `ids`) as mosquitto's client list is rebuilt from (mosquitto/). */
  brokerAccounts(ids?: readonly string[]): Promise<devices.BrokerAccount[]>;
  /**
   * Called, in this process, with each secret this process issues (registration, rotation) once
   * it is committed: the one moment the secret exists outside the device. mosquitto's dynamic
   * security plugin takes only a password in clear through its API (mosquitto/sync.ts).
   */
  onSecretsIssued(listener: (issued: IssuedSecret[]) => void): () => void;
  /** Planned maintenance that rules/ honours; `createdBy` is who asked. */
  addMaintenanceWindow(input: unknown): Promise<maintenance.MaintenanceWindow>;
  listMaintenanceWindows(
    filter?: maintenance.MaintenanceFilter,
  ): Promise<{ windows: maintenance.MaintenanceWindow[]; nextCursor: number | null }>;
  getMaintenanceWindow(id: number): Promise<maintenance.MaintenanceWindow>;
  endMaintenanceWindow(id: number, by: string): Promise<maintenance.MaintenanceWindow>;
  cancelMaintenanceWindow(id: number, by: string): Promise<maintenance.MaintenanceWindow>;
  close(): Promise<void>;
}

export interface IssuedSecret {
  deviceId: string;
  secret: string;
}

async function openDb({
  databaseUrl,
  dataDir,
  seed = BUILT_SEED,
  log,
  db: given,
}: RecordsOptions): Promise<{ db: Db; release: () => void }> {
  if (given) return { db: given, release: () => {} };
  if (databaseUrl) return { db: await openPostgres(databaseUrl), release: () => {} };
  const dir = join(dataDir, 'records');
  mkdirSync(dir, { recursive: true });
  const release = acquireLock(dir);
  try {
    return { db: await openPglite(dir, seed || undefined, log), release };
  } catch (err) {
    release();
    throw err;
  }
}

/** Opens the store (PostgreSQL or embedded), applies pending migrations, and binds the domain functions. */
export async function openRecords(options: RecordsOptions): Promise<Records> {
  const { log, now = systemClock } = options;
  const { db, release } = await openDb(options);
  try {
    await migrate(db, log);
  } catch (err) {
    await db.close();
    release();
    throw err;
  }
  log.debug({ engine: db.engine }, 'records store open');
  const issuedListeners = new Set<(issued: IssuedSecret[]) => void>();
  const issued = (secrets: IssuedSecret[]) => {
    for (const listener of issuedListeners) {
      try {
        listener(secrets);
      } catch (err) {
        log.error({ err }, 'a listener of issued secrets failed');
      }
    }
  };
  const added = (devices: devices.IssuedDevice[]) => {
    issued(devices.map((d) => ({ deviceId: d.device.id, secret: d.secret })));
    return devices;
  };
  return {
    db,
    addSite: (input) => sites.addSite(db, input, dateOf(now)),
    listSites: (only) => sites.listSites(db, only),
    getSite: (id) => sites.getSite(db, id),
    addBuilding: (input) => sites.addBuilding(db, input, dateOf(now)),
    listBuildings: (site) => sites.listBuildings(db, site),
    addArea: (input) => sites.addArea(db, input, dateOf(now)),
    listAreas: (site) => sites.listAreas(db, site),
    addDevice: async (input) => added(await devices.addDevices(db, [input], dateOf(now)))[0]!,
    addDevices: async (inputs) => added(await devices.addDevices(db, inputs, dateOf(now))),
    getDevice: (id) => devices.getDevice(db, id),
    listDevices: (filter) => devices.listDevices(db, filter),
    rotateDeviceSecret: async (id) => {
      const secret = await devices.rotateDeviceSecret(db, id, dateOf(now));
      issued([{ deviceId: id, secret }]);
      return secret;
    },
    revokeDevice: (id) => devices.revokeDevice(db, id, dateOf(now)),
    brokerAccounts: (ids) => devices.brokerAccounts(db, ids),
    onSecretsIssued: (listener) => {
      issuedListeners.add(listener);
      return () => issuedListeners.delete(listener);
    },
    findDevice: (id) => devices.findDevice(db, id),
    changedDevices: (cursor) => devices.changedDevices(db, cursor),
    upgradeSecretHash: (id, from, to) => devices.upgradeSecretHash(db, id, from, to),
    addMaintenanceWindow: (input) => maintenance.addMaintenanceWindow(db, input, dateOf(now)),
    listMaintenanceWindows: (filter = {}) => maintenance.listMaintenanceWindows(db, filter, dateOf(now)),
    getMaintenanceWindow: (id) => maintenance.getMaintenanceWindow(db, id, dateOf(now)),
    endMaintenanceWindow: (id, by) => maintenance.endMaintenanceWindow(db, id, dateOf(now), by),
    cancelMaintenanceWindow: (id, by) => maintenance.cancelMaintenanceWindow(db, id, dateOf(now), by),
    close: async () => {
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
}
