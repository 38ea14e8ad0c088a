/**
 * Staff and the duty table. Step "classified and dispatched": the slip goes to whoever is on duty
 * for the site, area and trade at that moment; if nobody is, to the trade's supervisor.
 */
import { z } from 'zod';
import type { Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import { idSchema, requireSite } from '../sites.ts';
import { instant, ROLES, type Role, serviceError, TRADES, type Trade } from './types.ts';
import { zoneOf, zonePeople } from './zones.ts';

export const NOTIFY_VIA = ['sms', 'email'] as const;

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour, site local time)');

export const staffInput = z.object({
  id: idSchema,
  name: z.string().trim().min(1).max(100),
  phone: z
    .string()
    .regex(/^[0-9+\-() ]{3,32}$/)
    .optional(),
  roles: z.array(z.enum(ROLES)).min(1),
  trades: z.array(z.enum(TRADES)).default([]),
  /** Sites the person works; empty means all of them. */
  sites: z.array(idSchema).default([]),
  /** Where their own notifications go besides group chats (docs/notifications.md). */
  email: z.email().max(254).optional(),
  /** Which of their own channels they take: `sms` (to `phone`), `email`. */
  notifyVia: z.array(z.enum(NOTIFY_VIA)).default([]),
  /** `HH:MM-HH:MM`, site local time: nothing but emergencies reaches them in person then. */
  quietHours: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM-HH:MM (site local time)')
    .optional(),
});
export type StaffInput = z.input<typeof staffInput>;

export const shiftInput = z.object({
  site: idSchema,
  staffId: idSchema,
  trade: z.enum(TRADES),
  /** Omitted: the whole site. */
  area: idSchema.optional(),
  /** ISO weekdays, 1 = Monday. */
  weekdays: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5, 6, 7]),
  starts: clockTime,
  /** At or before `starts`: the shift runs past midnight. */
  ends: clockTime,
  /** The rota starts counting at this instant; omitted: at once. */
  from: instant.optional(),
  /** The rota stops counting at this instant; omitted: until it is ended. */
  until: instant.optional(),
});
export type ShiftInput = z.input<typeof shiftInput>;

export interface Staff {
  id: string;
  name: string;
  phone: string | null;
  roles: Role[];
  trades: Trade[];
  sites: string[];
  active: boolean;
  email: string | null;
  notifyVia: string[];
  /** `HH:MM-HH:MM`, site local time; null: none. */
  quietHours: string | null;
}

export interface Shift {
  id: number;
  site: string;
  staffId: string;
  trade: Trade;
  area: string | null;
  weekdays: number[];
  starts: string;
  ends: string;
  validFrom: Date | null;
  validUntil: Date | null;
  endedBy: string | null;
}

export const STAFF_COLUMNS = `id, name, phone, roles, trades, site_ids AS sites, active, email, notify_via AS "notifyVia",
  CASE WHEN quiet_from IS NULL THEN NULL ELSE to_char(quiet_from, 'HH24:MI') || '-' || to_char(quiet_until, 'HH24:MI') END
    AS "quietHours"`;
export const SHIFT_COLUMNS = `id, site_id AS site, staff_id AS "staffId", trade, area_id AS area,
  weekdays::int[] AS weekdays, to_char(starts, 'HH24:MI') AS starts, to_char(ends, 'HH24:MI') AS ends,
  valid_from AS "validFrom", valid_until AS "validUntil", ended_by AS "endedBy"`;

export async function addStaff(db: Queryable, input: unknown, at: Date): Promise<Staff> {
  const s = parseInput(staffInput, input, 'staff');
  const [row] = await db.query<Staff>(
    `INSERT INTO staff (id, name, phone, roles, trades, site_ids, created_at, email, notify_via, quiet_from, quiet_until)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (id) DO NOTHING RETURNING ${STAFF_COLUMNS}`,
    [
      s.id,
      s.name,
      s.phone ?? null,
      s.roles,
      s.trades,
      s.sites,
      at,
      s.email ?? null,
      s.notifyVia,
      s.quietHours?.slice(0, 5) ?? null,
      s.quietHours?.slice(6) ?? null,
    ],
  );
  if (!row) throw serviceError('staff-exists', `staff "${s.id}" already exists`);
  return row;
}

/** People who work `site` (or every site); with `sites`, who works one of them (or every site). */
export async function listStaff(db: Queryable, site?: string, sites?: readonly string[]): Promise<Staff[]> {
  return db.query<Staff>(
    `SELECT ${STAFF_COLUMNS} FROM staff WHERE ($1::text IS NULL OR site_ids = '{}' OR $1 = ANY(site_ids))
       AND ($2::text[] IS NULL OR site_ids = '{}' OR site_ids && $2::text[])
     ORDER BY id COLLATE "C"`,
    [site ?? null, sites ? [...sites] : null],
  );
}

export async function getStaff(db: Queryable, id: string): Promise<Staff | undefined> {
  const [row] = await db.query<Staff>(`SELECT ${STAFF_COLUMNS} FROM staff WHERE id = $1`, [id]);
  return row;
}

export async function addShift(db: Queryable, input: unknown, at: Date): Promise<Shift> {
  const s = parseInput(shiftInput, input, 'shift');
  await requireSite(db, s.site);
  const [staff] = await db.query<{ sites: string[] }>('SELECT site_ids AS sites FROM staff WHERE id = $1', [
    s.staffId,
  ]);
  if (!staff) throw serviceError('staff-not-found', `staff "${s.staffId}" does not exist; add them first`);
  // Dispatch would send this person to a site they do not work (and a person of that site would
  // read their details): give them the site in their staff row first.
  if (staff.sites.length > 0 && !staff.sites.includes(s.site)) {
    throw serviceError(
      'invalid-input',
      `staff "${s.staffId}" does not work site "${s.site}"; add the site to their staff row first`,
    );
  }
  if (s.from && s.until && s.until < s.from) {
    throw serviceError('invalid-input', 'invalid shift: until: must not be before from');
  }
  const [row] = await db.query<Shift>(
    `INSERT INTO duty_shifts (site_id, staff_id, trade, area_id, weekdays, starts, ends, valid_from, valid_until, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${SHIFT_COLUMNS}`,
    [
      s.site,
      s.staffId,
      s.trade,
      s.area ?? null,
      s.weekdays,
      s.starts,
      s.ends,
      s.from ?? null,
      s.until ?? null,
      at,
    ],
  );
  return row!;
}

/**
 * Who is on duty at `at` (site local time). An area's own shift beats a site-wide one. A shift
 * past midnight covers the early hours of the day after one of its weekdays. Only shifts valid at
 * `at` count (an ended one stays in the table for the history). `among`: only these people, the
 * first of them on duty first (a zone's responsible people).
 */
export async function onDuty(
  db: Queryable,
  q: { site: string; trade: string; area?: string | null; at: Date },
  among?: readonly string[],
): Promise<string | undefined> {
  const [row] = await db.query<{ id: string }>(
    `WITH l AS (SELECT ($3::timestamptz AT TIME ZONE timezone) AS t FROM sites WHERE id = $1),
          n AS (SELECT t::time AS tod, EXTRACT(ISODOW FROM t)::int AS dow FROM l)
     SELECT st.id FROM duty_shifts d JOIN staff st ON st.id = d.staff_id CROSS JOIN n
     WHERE d.site_id = $1 AND d.trade = $2 AND st.active AND (d.area_id IS NULL OR d.area_id = $4)
       AND (d.valid_from IS NULL OR d.valid_from <= $3) AND (d.valid_until IS NULL OR $3 < d.valid_until)
       AND ((d.starts < d.ends AND n.tod >= d.starts AND n.tod < d.ends AND n.dow = ANY(d.weekdays))
         OR (d.starts >= d.ends AND ((n.tod >= d.starts AND n.dow = ANY(d.weekdays))
           OR (n.tod < d.ends AND ((n.dow + 5) % 7) + 1 = ANY(d.weekdays)))))
       AND ($5::text[] IS NULL OR st.id = ANY($5::text[]))
     ORDER BY array_position($5::text[], st.id), (d.area_id IS NOT NULL) DESC, d.id LIMIT 1`,
    [q.site, q.trade, q.at, q.area ?? null, among ?? null],
  );
  return row?.id;
}

/** The trade's supervisors for a site, first one first. */
export async function supervisors(db: Queryable, site: string, trade: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM staff WHERE active AND 'supervisor' = ANY(roles) AND $2 = ANY(trades)
       AND (site_ids = '{}' OR $1 = ANY(site_ids)) ORDER BY id COLLATE "C"`,
    [site, trade],
  );
  return rows.map((r) => r.id);
}

/** Managers of a site: the managers' meeting. */
export async function managers(db: Queryable, site: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM staff WHERE active AND 'manager' = ANY(roles) AND (site_ids = '{}' OR $1 = ANY(site_ids))
     ORDER BY id COLLATE "C"`,
    [site],
  );
  return rows.map((r) => r.id);
}

export interface DutyPick {
  staffId: string;
  /** The place's zone person on duty, on duty by a shift, or the trade's supervisor because nobody was. */
  via: 'zone' | 'shift' | 'supervisor';
  /** The zone of the place, when it is in one. */
  zone?: string;
}

export interface DutyQuery {
  site: string;
  trade: string;
  building?: string | null;
  area?: string | null;
  /** The zone itself, when known (a round's route); otherwise found from the building or area. */
  zone?: string | null;
  at: Date;
}

/**
 * The place's zone person for the trade when on duty (zone responsibility), else the person on
 * duty, else the trade's supervisor; nobody at all is a configuration error to fix.
 */
export async function pickDuty(db: Queryable, q: DutyQuery): Promise<DutyPick> {
  const zone = q.zone ?? (await zoneOf(db, q.site, q));
  if (zone) {
    const people = await zonePeople(db, q.site, zone, q.trade);
    const inZone = people.length > 0 ? await onDuty(db, q, people) : undefined;
    if (inZone) return { staffId: inZone, via: 'zone', zone };
  }
  const onShift = await onDuty(db, q);
  if (onShift) return { staffId: onShift, via: 'shift' };
  const supervisor = (await supervisors(db, q.site, q.trade))[0];
  if (supervisor) return { staffId: supervisor, via: 'supervisor' };
  throw serviceError(
    'no-assignee',
    `nobody is on duty for ${q.trade} at site "${q.site}" and the trade has no supervisor; add a shift or a supervisor`,
  );
}

/** Who a dispatch without an assignee hands the slip to (GET /duty/now asks pickDuty, the same question). */
export async function pickAssignee(db: Queryable, q: DutyQuery): Promise<string> {
  return (await pickDuty(db, q)).staffId;
}

/**
 * Who hears of a breach: the trade's supervisor (procedure: a breach is reported up), and the
 * managers too once the same-day rule or a complaint's 24 hours have passed, or a maintenance job
 * is overdue (the regulation's interval is broken: the managers answer for it).
 */
export async function notifyFor(
  db: Queryable,
  b: { subject: 'record' | 'alert' | 'round'; subjectId: number; site: string; step: string },
): Promise<string[]> {
  const table = { record: 'service_records', alert: 'patrol_alerts', round: 'rounds' }[b.subject];
  const trade = b.subject === 'alert' ? `'security'` : 'trade';
  const [row] = await db.query<{ trade: string }>(`SELECT ${trade} AS trade FROM ${table} WHERE id = $1`, [
    b.subjectId,
  ]);
  const out = await supervisors(db, b.site, row?.trade ?? 'engineering');
  if (b.step === 'same_day' || b.step === 'complaint_result' || b.step === 'plan_due')
    out.push(...(await managers(db, b.site)));
  return [...new Set(out)];
}
