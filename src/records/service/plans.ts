/**
 * Maintenance plans (docs/service-records.md, "Maintenance plans"): per device, per kind or per
 * site, by the calendar (every N days or months from a local start date) or by a device's meter
 * (a job each time a counter the device reports has grown by N). Plans are ended, never deleted.
 */
import { z } from 'zod';
import { KINDS } from '../../protocol/index.ts';
import type { Queryable } from '../db.ts';
import { parseInput, RecordsError } from '../errors.ts';
import { idSchema, requireSite } from '../sites.ts';
import { type PlanSettings, TEMPLATES, type Template, templateDefaults } from './plan-templates.ts';
import { TRADES, type Trade } from './types.ts';

const every = z.object({ count: z.number().int().min(1).max(1000), unit: z.enum(['day', 'month']) });
const meter = z.object({
  /** A counter the device's telemetry carries (protocol METER_FIELDS). */
  field: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
  every: z.number().positive(),
});

/** A plan's fields as the API and the CLI take them (who creates it is theirs to say). */
export const planFields = {
  site: idSchema,
  scope: z.enum(['device', 'kind', 'site']),
  /** The device, for scope device. */
  device: idSchema.optional(),
  /** The kind, for scope kind; a template's kind is the default. */
  kind: z.enum(KINDS).optional(),
  template: z.enum(TEMPLATES).default('custom'),
  name: z.string().trim().min(1).max(100).optional(),
  trade: z.enum(TRADES).default('engineering'),
  /** Omitted: the template's interval (a setting); null: no calendar trigger. */
  every: every.nullable().optional(),
  /** First due date, site-local; omitted: today. */
  startsOn: z.iso.date().optional(),
  /** Omitted: the template's meter; null: none. */
  meter: meter.nullable().optional(),
  leadDays: z.number().int().min(0).max(365).optional(),
  dueDays: z.number().int().min(1).max(365).optional(),
  /** Checklist items; omitted: the template's. */
  items: z.array(z.string().trim().min(1).max(300)).max(100).optional(),
};

export const planInput = z
  .object({ ...planFields, createdBy: z.string().min(1).max(100).default('api') })
  .refine((p) => (p.scope === 'device') === (p.device !== undefined), {
    message: 'device is required for scope device (and only then)',
    path: ['device'],
  });
export type PlanInput = z.input<typeof planInput>;

export interface Plan {
  id: number;
  site: string;
  name: string;
  scope: 'device' | 'kind' | 'site';
  device: string | null;
  kind: string | null;
  template: Template;
  trade: Trade;
  every: { count: number; unit: 'day' | 'month' } | null;
  startsOn: string | null;
  meter: { field: string; every: number } | null;
  leadDays: number;
  dueDays: number;
  items: string[];
  createdAt: Date;
  createdBy: string;
  endedAt: Date | null;
  endedBy: string | null;
}

interface PlanRow extends Omit<Plan, 'every' | 'meter'> {
  everyCount: number | null;
  everyUnit: 'day' | 'month' | null;
  meterField: string | null;
  meterEvery: number | null;
}

const COLUMNS = `id, site_id AS site, name, scope, device_id AS device, kind, template, trade,
  every_count AS "everyCount", every_unit AS "everyUnit", to_char(starts_on, 'YYYY-MM-DD') AS "startsOn",
  meter AS "meterField", meter_every AS "meterEvery", lead_days AS "leadDays", due_days AS "dueDays", items,
  created_at AS "createdAt", created_by AS "createdBy", ended_at AS "endedAt", ended_by AS "endedBy"`;

function toPlan(r: PlanRow): Plan {
  const { everyCount, everyUnit, meterField, meterEvery, ...rest } = r;
  return {
    ...rest,
    every: everyCount && everyUnit ? { count: everyCount, unit: everyUnit } : null,
    meter: meterField && meterEvery ? { field: meterField, every: meterEvery } : null,
  };
}

export async function addPlan(
  db: Queryable,
  settings: PlanSettings,
  input: unknown,
  at: Date,
): Promise<Plan> {
  const p = parseInput(planInput, input, 'maintenance plan');
  await requireSite(db, p.site);
  const t = templateDefaults(p.template, settings);
  let kind = p.kind ?? t.kind;
  if (p.device) {
    const [d] = await db.query<{ kind: string }>('SELECT kind FROM devices WHERE id = $1 AND site_id = $2', [
      p.device,
      p.site,
    ]);
    if (!d)
      throw new RecordsError('device-not-found', `device "${p.device}" is not registered in "${p.site}"`);
    kind = d.kind as typeof kind;
  }
  if (p.scope === 'kind' && !kind)
    throw new RecordsError('invalid-input', 'invalid maintenance plan: kind: required');
  const cal = p.every === undefined ? (t.every ?? null) : p.every;
  const m = p.meter === undefined ? (t.meter ?? null) : p.meter;
  if (!cal && !m)
    throw new RecordsError('invalid-input', 'invalid maintenance plan: every or meter: one is required');
  if (m && p.scope === 'site')
    throw new RecordsError(
      'invalid-input',
      'invalid maintenance plan: meter: a site plan has no device to read',
    );
  const items = p.items ?? [...t.items];
  if (items.length === 0)
    throw new RecordsError('invalid-input', 'invalid maintenance plan: items: a job needs at least one item');
  const [today] = await db.query<{ d: string }>(
    `SELECT to_char(($2::timestamptz AT TIME ZONE timezone)::date, 'YYYY-MM-DD') AS d FROM sites WHERE id = $1`,
    [p.site, at],
  );
  const [row] = await db.query<PlanRow>(
    `INSERT INTO maintenance_plans (site_id, name, scope, device_id, kind, template, trade, every_count, every_unit,
       starts_on, meter, meter_every, lead_days, due_days, items, created_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::date, $11, $12, $13, $14, $15, $16, $17) RETURNING ${COLUMNS}`,
    [
      p.site,
      p.name ?? t.name,
      p.scope,
      p.device ?? null,
      kind ?? null,
      p.template,
      p.trade,
      cal?.count ?? null,
      cal?.unit ?? null,
      cal ? (p.startsOn ?? today!.d) : null,
      m?.field ?? null,
      m?.every ?? null,
      p.leadDays ?? settings.leadDays,
      p.dueDays ?? settings.meterDueDays,
      JSON.stringify(items),
      at,
      p.createdBy,
    ],
  );
  return toPlan(row!);
}

export const planFilter = z.object({
  /** Only these sites (a person limited to some: the API's site scope). */
  sites: z.array(z.string()).optional(),
  site: idSchema.optional(),
  /** false: ended plans too. */
  active: z.boolean().default(true),
});
export type PlanFilter = z.input<typeof planFilter>;

export async function listPlans(db: Queryable, filter: PlanFilter = {}): Promise<Plan[]> {
  const f = parseInput(planFilter, filter, 'plan filter');
  const rows = await db.query<PlanRow>(
    `SELECT ${COLUMNS} FROM maintenance_plans
     WHERE ($1::text IS NULL OR site_id = $1) AND (NOT $2 OR ended_at IS NULL)
       AND ($3::text[] IS NULL OR site_id = ANY($3::text[])) ORDER BY id`,
    [f.site ?? null, f.active, f.sites ?? null],
  );
  return rows.map(toPlan);
}

export async function getPlan(db: Queryable, id: number): Promise<Plan> {
  const [row] = await db.query<PlanRow>(`SELECT ${COLUMNS} FROM maintenance_plans WHERE id = $1`, [id]);
  if (!row) throw new RecordsError('plan-not-found', `maintenance plan ${id} does not exist`);
  return toPlan(row);
}

/** No more jobs from it; the jobs it generated go on. */
export async function endPlan(db: Queryable, id: number, at: Date, by: string): Promise<Plan> {
  const plan = await getPlan(db, id);
  if (plan.endedAt)
    throw new RecordsError('plan-ended', `maintenance plan ${id} ended ${plan.endedAt.toISOString()}`);
  const [row] = await db.query<PlanRow>(
    `UPDATE maintenance_plans SET ended_at = $2, ended_by = $3 WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, at, by],
  );
  return toPlan(row!);
}

/** The devices a plan's jobs are for ('' for a site plan): registered, not revoked. */
export async function planUnits(db: Queryable, p: Plan): Promise<{ unit: string; since: Date }[]> {
  if (p.scope === 'site') return [{ unit: '', since: p.createdAt }];
  return db.query(
    `SELECT id AS unit, GREATEST(created_at, $4::timestamptz) AS since FROM devices
     WHERE site_id = $1 AND revoked_at IS NULL AND (($2::text IS NOT NULL AND id = $2) OR ($2::text IS NULL AND kind = $3))
     ORDER BY id COLLATE "C"`,
    [p.site, p.device, p.kind, p.createdAt],
  );
}

export interface Occurrence {
  seq: number;
  /** The local due date. */
  dueDate: string;
  /** End of the due date, site-local: the job is overdue from here. */
  dueAt: Date;
  /** Start of the local day `leadDays` before the due date: the job is generated from here. */
  generateAt: Date;
}

/**
 * Calendar occurrences of a plan from `fromSeq` on, due after `after`: occurrence n falls on
 * startsOn + n × every, counted from the start (not the previous one) so months do not drift.
 */
export async function occurrences(
  db: Queryable,
  p: Plan,
  o: { fromSeq: number; after: Date; limit: number; before?: Date },
): Promise<Occurrence[]> {
  if (!p.every || !p.startsOn) return [];
  return db.query<Occurrence>(
    `SELECT n AS seq, to_char(x.d, 'YYYY-MM-DD') AS "dueDate", ((x.d + 1)::timestamp AT TIME ZONE s.timezone) AS "dueAt",
       ((x.d - $6::int)::timestamp AT TIME ZONE s.timezone) AS "generateAt"
     FROM sites s, generate_series($2::int, $2::int + 2000) AS n,
       LATERAL (SELECT ($3::date + (n * $4::int || ' ' || $5)::interval)::date AS d) x
     WHERE s.id = $1 AND ((x.d + 1)::timestamp AT TIME ZONE s.timezone) > $7
       AND ($9::timestamptz IS NULL OR (x.d::timestamp AT TIME ZONE s.timezone) < $9)
     ORDER BY n LIMIT $8`,
    [
      p.site,
      o.fromSeq,
      p.startsOn,
      p.every.count,
      p.every.unit,
      p.leadDays,
      o.after,
      o.limit,
      o.before ?? null,
    ],
  );
}
