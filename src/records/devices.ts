import { z } from 'zod';
import { KINDS, type Kind } from '../protocol/index.ts';
import type { Db, Queryable } from './db.ts';
import { parseInput, RecordsError } from './errors.ts';
import { brokerHashSync, generateSecret, hashSecret } from './secrets.ts';
import { idSchema, requireSite } from './sites.ts';
import type { DeviceChanges, RegisteredDevice } from './types.ts';

export const deviceInput = z.object({
  id: idSchema,
  site: idSchema,
  kind: z.enum(KINDS),
  model: z.string().trim().min(1).optional(),
  building: idSchema.optional(),
  /** Negative for basements (B2 is -2). */
  floor: z.number().int().min(-20).max(200).optional(),
  location: z.string().trim().min(1).optional(),
  /** Telemetry period; heartbeat loss is declared after three of them. */
  intervalS: z.number().int().min(1).max(86_400).default(10),
  installedOn: z.iso.date().optional(),
  /** A secret chosen by the caller (simulated fleets, tests); otherwise one is generated. */
  secret: z.string().min(16).max(256).optional(),
});
export type DeviceInput = z.input<typeof deviceInput>;

export const deviceFilter = z.object({
  site: idSchema.optional(),
  /** Only these sites (a sign-in limited to some sites); absent: every site. */
  sites: z.array(idSchema).optional(),
  kind: z.enum(KINDS).optional(),
  includeRevoked: z.boolean().default(false),
});
export type DeviceFilter = z.input<typeof deviceFilter>;

export interface Device {
  id: string;
  site: string;
  kind: Kind;
  model: string | null;
  building: string | null;
  floor: number | null;
  location: string | null;
  intervalS: number;
  /** ISO date, YYYY-MM-DD. */
  installedOn: string | null;
  createdAt: Date;
  secretRotatedAt: Date | null;
  revokedAt: Date | null;
}

export interface IssuedDevice {
  device: Device;
  /** Shown once: only its hash is stored. */
  secret: string;
}

// installed_on as text: pg would turn a date into a local-midnight Date, shifting it across zones.
const COLUMNS = `id, site_id AS site, kind, model, building_id AS building, floor, location,
  interval_s AS "intervalS", installed_on::text AS "installedOn", created_at AS "createdAt",
  secret_rotated_at AS "secretRotatedAt", revoked_at AS "revokedAt"`;
const INSERT_CHUNK = 1000;

type Parsed = z.output<typeof deviceInput>;

/** Refuses references that do not exist, before any secret is hashed. Sites and buildings are never deleted. */
async function checkReferences(db: Queryable, devices: Parsed[]): Promise<void> {
  const sites = [...new Set(devices.map((d) => d.site))];
  for (const site of sites) await requireSite(db, site);
  const rows = await db.query<{ site: string; id: string; floors: number; basements: number }>(
    'SELECT site_id AS site, id, floors, basements FROM buildings WHERE site_id = ANY($1::text[])',
    [sites],
  );
  const buildings = new Map(rows.map((b) => [`${b.site}/${b.id}`, b]));
  for (const d of devices) {
    if (d.building === undefined) continue;
    const b = buildings.get(`${d.site}/${d.building}`);
    if (!b) {
      throw new RecordsError(
        'building-not-found',
        `device "${d.id}": building "${d.building}" does not exist in site "${d.site}"; add it with \`facility sites add-building\``,
      );
    }
    if (d.floor !== undefined && (d.floor > b.floors || d.floor < -b.basements)) {
      throw new RecordsError(
        'invalid-input',
        `device "${d.id}": floor ${d.floor} is outside building "${b.id}" (floors -${b.basements} to ${b.floors})`,
      );
    }
  }
}

function refuseExisting(ids: string[]): never {
  const shown = ids.slice(0, 5).map((id) => `"${id}"`);
  const more = ids.length > 5 ? ` and ${ids.length - 5} more` : '';
  throw new RecordsError(
    'device-exists',
    `device ${shown.join(', ')}${more} already registered; device ids are MQTT client ids and must be unique (use \`facility devices rotate\` for a new secret)`,
  );
}

/**
 * Registers devices in one transaction: all or none. Devices given the same secret (a simulated
 * fleet) share one hash.
 */
export async function addDevices(db: Db, inputs: readonly unknown[], at: Date): Promise<IssuedDevice[]> {
  const devices = inputs.map((input, i) =>
    parseInput(deviceInput, input, inputs.length === 1 ? 'device' : `device #${i + 1}`),
  );
  const ids = devices.map((d) => d.id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length > 0) refuseExisting([...new Set(repeated)]);
  await checkReferences(db, devices);
  const taken = await db.query<{ id: string }>('SELECT id FROM devices WHERE id = ANY($1::text[])', [ids]);
  if (taken.length > 0) refuseExisting(taken.map((r) => r.id));

  const secrets = devices.map((d) => d.secret ?? generateSecret());
  const hashes = new Map<string, Promise<string>>();
  for (const s of secrets) if (!hashes.has(s)) hashes.set(s, hashSecret(s));
  const secretHashes = await Promise.all(secrets.map((s) => hashes.get(s)!));
  const brokerHashes = new Map<string, string>();
  for (const s of secrets) if (!brokerHashes.has(s)) brokerHashes.set(s, brokerHashSync(s));

  const stored = await db.transaction(async (tx) => {
    const out: Device[] = [];
    for (let start = 0; start < devices.length; start += INSERT_CHUNK) {
      const chunk = devices.slice(start, start + INSERT_CHUNK);
      const col = <T>(pick: (d: Parsed, i: number) => T) => chunk.map((d, i) => pick(d, start + i));
      const rows = await tx.query<Device>(
        `INSERT INTO devices (id, site_id, kind, model, building_id, floor, location, interval_s,
           installed_on, secret_hash, broker_hash, created_at)
         SELECT *, $12::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
           $6::int[], $7::text[], $8::int[], $9::date[], $10::text[], $11::text[])
         ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
        [
          col((d) => d.id),
          col((d) => d.site),
          col((d) => d.kind),
          col((d) => d.model ?? null),
          col((d) => d.building ?? null),
          col((d) => d.floor ?? null),
          col((d) => d.location ?? null),
          col((d) => d.intervalS),
          col((d) => d.installedOn ?? null),
          col((_, i) => secretHashes[i]),
          col((_, i) => brokerHashes.get(secrets[i]!)),
          at,
        ],
      );
      // Registered by another process since our check: the whole batch rolls back.
      if (rows.length < chunk.length) {
        const inserted = new Set(rows.map((r) => r.id));
        refuseExisting(chunk.filter((d) => !inserted.has(d.id)).map((d) => d.id));
      }
      out.push(...rows);
    }
    return out;
  });
  const byId = new Map(stored.map((d) => [d.id, d]));
  return devices.map((d, i) => ({ device: byId.get(d.id)!, secret: secrets[i]! }));
}

export async function getDevice(db: Queryable, id: string): Promise<Device> {
  const [device] = await db.query<Device>(`SELECT ${COLUMNS} FROM devices WHERE id = $1`, [id]);
  if (!device) throw deviceNotFound(id);
  return device;
}

/** The answer for a device that is not registered, and for one of a site the caller may not see. */
export function deviceNotFound(id: string): RecordsError {
  return new RecordsError(
    'device-not-found',
    `device "${id}" is not registered; see \`facility devices list\``,
  );
}

export async function listDevices(db: Queryable, filter: DeviceFilter = {}): Promise<Device[]> {
  const f = parseInput(deviceFilter, filter, 'device filter');
  return db.query<Device>(
    `SELECT ${COLUMNS} FROM devices
     WHERE ($1::text IS NULL OR site_id = $1) AND ($2::text IS NULL OR kind = $2) AND ($3 OR revoked_at IS NULL)
       AND ($4::text[] IS NULL OR site_id = ANY($4::text[]))
     ORDER BY site_id COLLATE "C", id COLLATE "C"`,
    [f.site ?? null, f.kind ?? null, f.includeRevoked, f.sites ?? null],
  );
}

/**
 * Issues a new secret; the old one stops working at the device's next connect. A revoked device
 * stays revoked: rotating it is refused rather than quietly bringing it back.
 */
export async function rotateDeviceSecret(
  db: Queryable,
  id: string,
  at: Date,
  secret?: string,
): Promise<string> {
  const current = await getDevice(db, id);
  if (current.revokedAt) throw revoked(id);
  const next = secret ?? generateSecret();
  const rows = await db.query(
    `UPDATE devices SET secret_hash = $2, secret_rotated_at = $3, broker_hash = $4, changed_at = now()
     WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
    [id, await hashSecret(next), at, brokerHashSync(next)],
  );
  if (rows.length === 0) throw revoked(id); // revoked while we hashed
  return next;
}

function revoked(id: string): RecordsError {
  return new RecordsError(
    'device-revoked',
    `device "${id}" is revoked and stays so; register the replacement under a new id`,
  );
}

/** Revokes a device for good; revoking twice keeps the first time. */
export async function revokeDevice(db: Queryable, id: string, at: Date): Promise<Device> {
  const [device] = await db.query<Device>(
    `UPDATE devices SET revoked_at = COALESCE(revoked_at, $2), changed_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, at],
  );
  if (!device) return getDevice(db, id); // throws device-not-found
  return device;
}

const REGISTERED = `id AS "deviceId", site_id AS site, kind, building_id AS building,
  interval_s AS "intervalS", secret_hash AS "secretHash", secret_rotated_at AS "secretRotatedAt",
  revoked_at AS "revokedAt"`;

/** The broker's lookup on every connect: one primary-key read. */
export async function findDevice(db: Queryable, deviceId: string): Promise<RegisteredDevice | undefined> {
  if (!idSchema.safeParse(deviceId).success) return undefined;
  const [row] = await db.query<RegisteredDevice>(`SELECT ${REGISTERED} FROM devices WHERE id = $1`, [
    deviceId,
  ]);
  return row;
}

/**
 * A change is read again for this long after the cursor: `changed_at` is the writing transaction's
 * start, and a transaction that started before the last read may commit after it.
 */
const CHANGE_OVERLAP = "interval '30 seconds'";

/**
 * Revocations and rotations since `cursor`, in the database's own time (so every broker node, on
 * whatever clock, reads the same feed); one indexed range read, however many devices there are.
 */
export async function changedDevices(db: Queryable, cursor: string | undefined): Promise<DeviceChanges> {
  const [{ now }] = (await db.query<{ now: string }>(`SELECT now()::text AS now`)) as [{ now: string }];
  if (cursor === undefined) return { devices: [], cursor: now };
  const devices = await db.query<RegisteredDevice>(
    `SELECT ${REGISTERED} FROM devices WHERE changed_at > $1::timestamptz - ${CHANGE_OVERLAP}`,
    [cursor],
  );
  return { devices, cursor: now };
}

/** Rewrites a verified legacy hash in the current form; a rotation meanwhile wins. */
export async function upgradeSecretHash(db: Queryable, id: string, from: string, to: string): Promise<void> {
  await db.query('UPDATE devices SET secret_hash = $3 WHERE id = $1 AND secret_hash = $2', [id, from, to]);
}

/** What mosquitto's client list is rebuilt from (mosquitto/): every device, revoked ones too. */
export interface BrokerAccount {
  deviceId: string;
  site: string;
  kind: Kind;
  /** records/secrets.ts brokerHashSync; null for a device issued before the broker hash existed. */
  brokerHash: string | null;
  revoked: boolean;
}

/** Every device, or those of `ids` (one indexed read either way). */
export async function brokerAccounts(db: Queryable, ids?: readonly string[]): Promise<BrokerAccount[]> {
  return db.query<BrokerAccount>(
    `SELECT id AS "deviceId", site_id AS site, kind, broker_hash AS "brokerHash",
       revoked_at IS NOT NULL AS revoked FROM devices
     WHERE $1::text[] IS NULL OR id = ANY($1::text[]) ORDER BY id COLLATE "C"`,
    [ids ? [...ids] : null],
  );
}
