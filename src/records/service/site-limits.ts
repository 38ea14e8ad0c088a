/**
 * A site's deadline overrides (sla_overrides rows with the site set), as the API's
 * /sites/:site/sla reads and replaces them. The effective limits are computed by limitsFor, the
 * very function the clock uses when it sets a deadline, so what is shown is what will be applied.
 */
import { z } from 'zod';
import type { Db, Queryable } from '../db.ts';
import { parseInput } from '../errors.ts';
import { requireSite } from '../sites.ts';
import { LIMIT_NAMES, type LimitName, type Limits, limitsFor } from './clock.ts';
import { RECORD_TYPES, type RecordType, serviceError } from './types.ts';

export const siteLimitOverride = z.object({
  /** Omitted: every record type of the site. */
  type: z.enum(RECORD_TYPES).optional(),
  step: z.enum(LIMIT_NAMES as [LimitName, ...LimitName[]]),
  /** Milliseconds; at most 31 days. */
  limitMs: z
    .number()
    .int()
    .positive()
    .max(31 * 86_400_000),
});
export const siteLimitsInput = z.object({ overrides: z.array(siteLimitOverride).max(200) });

export interface SiteLimitOverride {
  type: RecordType | null;
  step: LimitName;
  limitMs: number;
}

export interface SiteLimits {
  site: string;
  overrides: SiteLimitOverride[];
  /** What the clock applies at this site for a record of each type, every override considered. */
  effective: Record<RecordType, Limits>;
}

export async function siteLimits(db: Queryable, site: string, base: Partial<Limits>): Promise<SiteLimits> {
  await requireSite(db, site);
  const overrides = await db.query<SiteLimitOverride>(
    `SELECT record_type AS type, step, limit_ms AS "limitMs" FROM sla_overrides WHERE site_id = $1
     ORDER BY record_type NULLS FIRST, step`,
    [site],
  );
  const effective = {} as Record<RecordType, Limits>;
  for (const type of RECORD_TYPES) effective[type] = await limitsFor(db, site, type, base);
  return { site, overrides, effective };
}

/**
 * Replaces the site's overrides with `input.overrides` in one transaction (a PUT): a step left out
 * falls back to the service-wide limit. Service-wide rows (no site) are not touched here.
 */
export async function replaceSiteLimits(
  db: Db,
  site: string,
  input: unknown,
  base: Partial<Limits>,
): Promise<SiteLimits> {
  const { overrides } = parseInput(siteLimitsInput, input, 'deadline overrides');
  const seen = new Set<string>();
  for (const o of overrides) {
    const key = `${o.type ?? '*'}/${o.step}`;
    if (seen.has(key)) {
      throw serviceError(
        'invalid-input',
        `invalid deadline overrides: ${o.step} for ${o.type ?? 'every type'} is given twice`,
      );
    }
    seen.add(key);
  }
  await requireSite(db, site);
  await db.transaction(async (tx) => {
    await tx.query('DELETE FROM sla_overrides WHERE site_id = $1', [site]);
    for (const o of overrides) {
      await tx.query(
        'INSERT INTO sla_overrides (site_id, record_type, step, limit_ms) VALUES ($1, $2, $3, $4)',
        [site, o.type ?? null, o.step, o.limitMs],
      );
    }
  });
  return siteLimits(db, site, base);
}
