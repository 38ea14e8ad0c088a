/**
 * Zones (片区): a site divided into zones of buildings and areas, each with its responsible people
 * per trade (zone responsibility: a zone's steward, guards and repair staff answer for its
 * facilities). Dispatch and round assignment ask `zoneCandidates` first (dispatch.ts pickDuty).
 */
import { z } from 'zod';
import type { Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import { idSchema, requireBuilding, requireSite } from '../sites.ts';
import { serviceError, TRADES, type Trade } from './types.ts';

export const zoneInput = z.object({
  site: idSchema,
  id: idSchema,
  name: z.string().trim().min(1).max(100),
  buildings: z.array(idSchema).default([]),
  areas: z.array(idSchema).default([]),
  /** Responsible people per trade, first preferred: { security: ['guard-1'], engineering: [...] }. */
  people: z.partialRecord(z.enum(TRADES), z.array(idSchema)).default({}),
});
export type ZoneInput = z.input<typeof zoneInput>;

export interface Zone {
  site: string;
  id: string;
  name: string;
  buildings: string[];
  areas: string[];
  people: Partial<Record<Trade, string[]>>;
}

const COLUMNS = 'site_id AS site, id, name, building_ids AS buildings, area_ids AS areas';

async function withPeople(db: Queryable, zones: Omit<Zone, 'people'>[]): Promise<Zone[]> {
  if (zones.length === 0) return [];
  const rows = await db.query<{ zone: string; trade: Trade; staffId: string }>(
    `SELECT zone_id AS zone, trade, staff_id AS "staffId" FROM zone_people WHERE site_id = $1
     ORDER BY zone_id, trade, position`,
    [zones[0]!.site],
  );
  return zones.map((z) => {
    const people: Partial<Record<Trade, string[]>> = {};
    for (const r of rows.filter((x) => x.zone === z.id))
      people[r.trade] = [...(people[r.trade] ?? []), r.staffId];
    return { ...z, people };
  });
}

export async function listZones(db: Queryable, site: string): Promise<Zone[]> {
  await requireSite(db, site);
  const rows = await db.query<Omit<Zone, 'people'>>(
    `SELECT ${COLUMNS} FROM zones WHERE site_id = $1 ORDER BY id COLLATE "C"`,
    [site],
  );
  return withPeople(db, rows);
}

export async function getZone(db: Queryable, site: string, id: string): Promise<Zone> {
  const rows = await db.query<Omit<Zone, 'people'>>(
    `SELECT ${COLUMNS} FROM zones WHERE site_id = $1 AND id = $2`,
    [site, id],
  );
  if (!rows[0]) throw serviceError('zone-not-found', `zone "${id}" does not exist in site "${site}"`);
  return (await withPeople(db, rows))[0]!;
}

/** Every place exists, belongs to no other zone, and every person is active staff. */
async function checkZone(db: Queryable, z: z.output<typeof zoneInput>): Promise<void> {
  await requireSite(db, z.site);
  for (const b of z.buildings) await requireBuilding(db, z.site, b);
  for (const a of z.areas) {
    const [row] = await db.query('SELECT 1 FROM areas WHERE site_id = $1 AND id = $2', [z.site, a]);
    if (!row) throw serviceError('area-not-found', `area "${a}" does not exist in site "${z.site}"`);
  }
  const [taken] = await db.query<{ id: string }>(
    `SELECT id FROM zones WHERE site_id = $1 AND id <> $2 AND (building_ids && $3::text[] OR area_ids && $4::text[])`,
    [z.site, z.id, z.buildings, z.areas],
  );
  if (taken) throw serviceError('invalid-input', `invalid zone: a place is already in zone "${taken.id}"`);
  for (const id of Object.values(z.people).flat()) {
    const [st] = await db.query('SELECT 1 FROM staff WHERE id = $1 AND active', [id]);
    if (!st) throw serviceError('staff-not-found', `"${id}" is not active staff; add them first`);
  }
}

async function writePeople(db: Queryable, z: z.output<typeof zoneInput>): Promise<void> {
  await db.query('DELETE FROM zone_people WHERE site_id = $1 AND zone_id = $2', [z.site, z.id]);
  for (const [trade, ids] of Object.entries(z.people)) {
    for (const [i, staffId] of [...new Set(ids)].entries()) {
      await db.query(
        'INSERT INTO zone_people (site_id, zone_id, trade, staff_id, position) VALUES ($1, $2, $3, $4, $5)',
        [z.site, z.id, trade, staffId, i],
      );
    }
  }
}

export async function addZone(db: Queryable, input: unknown, at: Date): Promise<Zone> {
  const z = parseInput(zoneInput, input, 'zone');
  await checkZone(db, z);
  const [row] = await db.query(
    `INSERT INTO zones (site_id, id, name, building_ids, area_ids, created_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING RETURNING id`,
    [z.site, z.id, z.name, z.buildings, z.areas, at],
  );
  if (!row) throw serviceError('zone-exists', `zone "${z.id}" already exists in site "${z.site}"`);
  await writePeople(db, z);
  return getZone(db, z.site, z.id);
}

/** Replaces a zone's name, places and people (all of them: what is left out is dropped). */
export async function replaceZone(db: Queryable, input: unknown): Promise<Zone> {
  const z = parseInput(zoneInput, input, 'zone');
  await getZone(db, z.site, z.id);
  await checkZone(db, z);
  await db.query(
    'UPDATE zones SET name = $3, building_ids = $4, area_ids = $5 WHERE site_id = $1 AND id = $2',
    [z.site, z.id, z.name, z.buildings, z.areas],
  );
  await writePeople(db, z);
  return getZone(db, z.site, z.id);
}

/**
 * The zone a place is in: an area's own zone, else the zone of the area's building, else the
 * building's zone. A place in no zone (or no place at all) gives undefined.
 */
export async function zoneOf(
  db: Queryable,
  site: string,
  place: { building?: string | null; area?: string | null },
): Promise<string | undefined> {
  if (!place.building && !place.area) return undefined;
  const [row] = await db.query<{ id: string }>(
    `SELECT z.id FROM zones z LEFT JOIN areas a ON a.site_id = z.site_id AND a.id = $3
     WHERE z.site_id = $1 AND ($3 = ANY(z.area_ids) OR a.building_id = ANY(z.building_ids) OR $2 = ANY(z.building_ids))
     ORDER BY COALESCE($3 = ANY(z.area_ids), false) DESC, COALESCE(a.building_id = ANY(z.building_ids), false) DESC
     LIMIT 1`,
    [site, place.building ?? null, place.area ?? null],
  );
  return row?.id;
}

/** A zone's responsible people for a trade, first preferred. */
export async function zonePeople(
  db: Queryable,
  site: string,
  zone: string,
  trade: string,
): Promise<string[]> {
  const rows = await db.query<{ staffId: string }>(
    `SELECT staff_id AS "staffId" FROM zone_people WHERE site_id = $1 AND zone_id = $2 AND trade = $3
     ORDER BY position`,
    [site, zone, trade],
  );
  return rows.map((r) => r.staffId);
}
