import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import type { Db } from './db.ts';
import * as devices from './devices.ts';
import { acquireLock } from './lock.ts';
import * as maintenance from './maintenance.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
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
export type { Device, DeviceFilter, DeviceInput, IssuedDevice } from './devices.ts';
export { RecordsError, type RecordsErrorCode } from './errors.ts';
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
  windowChecks,
} from './maintenance.ts';
export { hashSecretSync, isLegacyHash, verifySecret, verifySecretFast } from './secrets.ts';
export type { Area, Building, Site, SiteDetail, SiteSummary } from './sites.ts';
export type { DeviceChanges, DeviceDirectory, RegisteredDevice } from './types.ts';

export interface RecordsOptions {
  /** PostgreSQL connection string; unset means the embedded PGlite database. */
  databaseUrl?: string;
  /** The embedded database lives in `<dataDir>/records`. */
  dataDir: string;
  log: Logger;
  /** Clock for created/rotated/revoked times; tests pass a fake one. */
  now?: () => Date;
}

/** The sites and devices registry. Inputs are `unknown` because they are validated here. */
export interface Records extends DeviceDirectory {
  readonly db: Db;
  addSite(input: unknown): Promise<sites.Site>;
  listSites(): Promise<sites.SiteSummary[]>;
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

async function openDb({ databaseUrl, dataDir }: RecordsOptions): Promise<{ db: Db; release: () => void }> {
  if (databaseUrl) return { db: await openPostgres(databaseUrl), release: () => {} };
  const dir = join(dataDir, 'records');
  mkdirSync(dir, { recursive: true });
  const release = acquireLock(dir);
  try {
    return { db: await openPglite(dir), release };
  } catch (err) {
    release();
    throw err;
  }
}

/** Opens the store (PostgreSQL or embedded), applies pending migrations, and binds the domain functions. */
export async function openRecords(options: RecordsOptions): Promise<Records> {
  const { log, now = () => new Date() } = options;
  const { db, release } = await openDb(options);
  try {
    await migrate(db, log);
  } catch (err) {
    await db.close();
    release();
    throw err;
  }
  log.debug({ engine: db.engine }, 'records store open');
  return {
    db,
    addSite: (input) => sites.addSite(db, input, now()),
    listSites: () => sites.listSites(db),
    getSite: (id) => sites.getSite(db, id),
    addBuilding: (input) => sites.addBuilding(db, input, now()),
    listBuildings: (site) => sites.listBuildings(db, site),
    addArea: (input) => sites.addArea(db, input, now()),
    listAreas: (site) => sites.listAreas(db, site),
    addDevice: async (input) => (await devices.addDevices(db, [input], now()))[0]!,
    addDevices: (inputs) => devices.addDevices(db, inputs, now()),
    getDevice: (id) => devices.getDevice(db, id),
    listDevices: (filter) => devices.listDevices(db, filter),
    rotateDeviceSecret: (id) => devices.rotateDeviceSecret(db, id, now()),
    revokeDevice: (id) => devices.revokeDevice(db, id, now()),
    findDevice: (id) => devices.findDevice(db, id),
    changedDevices: (cursor) => devices.changedDevices(db, cursor),
    upgradeSecretHash: (id, from, to) => devices.upgradeSecretHash(db, id, from, to),
    addMaintenanceWindow: (input) => maintenance.addMaintenanceWindow(db, input, now()),
    listMaintenanceWindows: (filter = {}) => maintenance.listMaintenanceWindows(db, filter, now()),
    getMaintenanceWindow: (id) => maintenance.getMaintenanceWindow(db, id, now()),
    endMaintenanceWindow: (id, by) => maintenance.endMaintenanceWindow(db, id, now(), by),
    cancelMaintenanceWindow: (id, by) => maintenance.cancelMaintenanceWindow(db, id, now(), by),
    close: async () => {
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
}
