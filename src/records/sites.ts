import { z } from 'zod';
import { ID_PATTERN, LANGS, type Lang } from '../protocol/index.ts';
import type { Queryable } from './db.ts';
import { parseInput, RecordsError } from './errors.ts';

export const idSchema = z.string().regex(ID_PATTERN, 'must be 1-64 of A-Z a-z 0-9 _ -');
const text = z.string().trim().min(1);

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const siteInput = z.object({
  id: idSchema,
  name: text,
  address: text.optional(),
  timezone: z
    .string()
    .refine(isTimeZone, 'not an IANA time zone such as Asia/Shanghai')
    .default('Asia/Shanghai'),
  /** The language its people read; unset: the platform's (FM_LANG). */
  lang: z.enum(LANGS).optional(),
});
export const buildingInput = z.object({
  site: idSchema,
  id: idSchema,
  name: text,
  floors: z.number().int().min(1).max(200).default(1),
  basements: z.number().int().min(0).max(20).default(0),
});
export const areaInput = z.object({
  site: idSchema,
  id: idSchema,
  name: text,
  building: idSchema.optional(),
});

export interface Site {
  id: string;
  name: string;
  address: string | null;
  timezone: string;
  /** The language its people read; null: the platform's. */
  lang: Lang | null;
  createdAt: Date;
}
export interface SiteSummary extends Site {
  buildings: number;
  areas: number;
  devices: number;
}
export interface Building {
  site: string;
  id: string;
  name: string;
  floors: number;
  basements: number;
}
export interface Area {
  site: string;
  id: string;
  name: string;
  building: string | null;
}
export interface SiteDetail extends Site {
  buildings: Building[];
  areas: Area[];
}

const SITE_COLUMNS = 'id, name, address, timezone, lang, created_at AS "createdAt"';
const BUILDING_COLUMNS = 'site_id AS site, id, name, floors, basements';
const AREA_COLUMNS = 'site_id AS site, id, name, building_id AS building';

/** Throws site-not-found unless the site exists. */
export async function requireSite(db: Queryable, site: string): Promise<void> {
  const rows = await db.query('SELECT 1 FROM sites WHERE id = $1', [site]);
  if (rows.length === 0) {
    throw new RecordsError(
      'site-not-found',
      `site "${site}" does not exist; add it with \`facility sites add\``,
    );
  }
}

/** Throws building-not-found unless the building exists in the site. */
export async function requireBuilding(db: Queryable, site: string, building: string): Promise<void> {
  const rows = await db.query('SELECT 1 FROM buildings WHERE site_id = $1 AND id = $2', [site, building]);
  if (rows.length === 0) {
    throw new RecordsError(
      'building-not-found',
      `building "${building}" does not exist in site "${site}"; add it with \`facility sites add-building\``,
    );
  }
}

export async function addSite(db: Queryable, input: unknown, at: Date): Promise<Site> {
  const s = parseInput(siteInput, input, 'site');
  const rows = await db.query<Site>(
    `INSERT INTO sites (id, name, address, timezone, lang, created_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO NOTHING RETURNING ${SITE_COLUMNS}`,
    [s.id, s.name, s.address ?? null, s.timezone, s.lang ?? null, at],
  );
  if (!rows[0]) throw new RecordsError('site-exists', `site "${s.id}" already exists`);
  return rows[0];
}

/** The answer for a site that does not exist, and for one the caller may not see. */
export function siteNotFound(id: string): RecordsError {
  return new RecordsError('site-not-found', `site "${id}" does not exist`);
}

/** Every site, or only `only` (a sign-in limited to some sites). */
export async function listSites(db: Queryable, only?: readonly string[]): Promise<SiteSummary[]> {
  return db.query<SiteSummary>(
    `SELECT ${SITE_COLUMNS},
       (SELECT count(*)::int FROM buildings b WHERE b.site_id = s.id) AS buildings,
       (SELECT count(*)::int FROM areas a WHERE a.site_id = s.id) AS areas,
       (SELECT count(*)::int FROM devices d WHERE d.site_id = s.id AND d.revoked_at IS NULL) AS devices
     FROM sites s WHERE $1::text[] IS NULL OR s.id = ANY($1::text[]) ORDER BY id COLLATE "C"`,
    [only ? [...only] : null],
  );
}

export async function getSite(db: Queryable, id: string): Promise<SiteDetail> {
  const [site] = await db.query<Site>(`SELECT ${SITE_COLUMNS} FROM sites WHERE id = $1`, [id]);
  if (!site) throw siteNotFound(id);
  return { ...site, buildings: await listBuildings(db, id), areas: await listAreas(db, id) };
}

export async function addBuilding(db: Queryable, input: unknown, at: Date): Promise<Building> {
  const b = parseInput(buildingInput, input, 'building');
  await requireSite(db, b.site);
  const rows = await db.query<Building>(
    `INSERT INTO buildings (site_id, id, name, floors, basements, created_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING RETURNING ${BUILDING_COLUMNS}`,
    [b.site, b.id, b.name, b.floors, b.basements, at],
  );
  if (!rows[0])
    throw new RecordsError('building-exists', `building "${b.id}" already exists in site "${b.site}"`);
  return rows[0];
}

export async function listBuildings(db: Queryable, site: string): Promise<Building[]> {
  return db.query<Building>(
    `SELECT ${BUILDING_COLUMNS} FROM buildings WHERE site_id = $1 ORDER BY id COLLATE "C"`,
    [site],
  );
}

export async function addArea(db: Queryable, input: unknown, at: Date): Promise<Area> {
  const a = parseInput(areaInput, input, 'area');
  await requireSite(db, a.site);
  if (a.building) await requireBuilding(db, a.site, a.building);
  const rows = await db.query<Area>(
    `INSERT INTO areas (site_id, id, name, building_id, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING RETURNING ${AREA_COLUMNS}`,
    [a.site, a.id, a.name, a.building ?? null, at],
  );
  if (!rows[0]) throw new RecordsError('area-exists', `area "${a.id}" already exists in site "${a.site}"`);
  return rows[0];
}

export async function listAreas(db: Queryable, site: string): Promise<Area[]> {
  return db.query<Area>(`SELECT ${AREA_COLUMNS} FROM areas WHERE site_id = $1 ORDER BY id COLLATE "C"`, [
    site,
  ]);
}
