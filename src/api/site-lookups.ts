/**
 * The site of what a request names, for `config.sites` (plugins/sites.ts): one indexed read by
 * primary key, run only for a person limited to some sites. Each entity's `missing` is the very
 * answer its store gives for an id that does not exist, so out of scope looks exactly like absent.
 * The console's own pages use the same lookups (one helper, not a copy).
 */
import type { FastifyRequest } from 'fastify';
import {
  deviceNotFound,
  maintenanceNotFound,
  type Queryable,
  RecordsError,
  siteNotFound,
} from '../records/index.ts';
import { alertNotFound, recordNotFound, shiftNotFound, staffNotFound } from '../records/service/index.ts';
import { type SiteOf, siteOfParam } from './plugins/sites.ts';

const INT4_MAX = 2_147_483_647;

/** The site of a row with an integer key; undefined for no such row (or a key no row can have). */
async function siteById(db: Queryable, table: string, id: string): Promise<string | undefined> {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0 || n > INT4_MAX) return undefined;
  const [row] = await db.query<{ site: string }>(`SELECT site_id AS site FROM ${table} WHERE id = $1`, [n]);
  return row?.site;
}

/** The site of a record; undefined when there is none (the console's record pages ask this too). */
export function recordSite(db: Queryable, id: number): Promise<string | undefined> {
  return siteById(db, 'service_records', String(id));
}

type Body = Record<string, unknown> | null | undefined;

export interface SiteLookups {
  record: SiteOf;
  alert: SiteOf;
  device: SiteOf;
  window: SiteOf;
  shift: SiteOf;
  round: SiteOf;
  plan: SiteOf;
  /** POST /rounds: the due round's site, or the named site of the route. */
  newRound: SiteOf;
  /** A person: every site they work (none: every site, which a limited sign-in may not change). */
  staff: SiteOf;
  /** POST /staff: the sites the new person works (none: every site). */
  newStaff: SiteOf;
  /** POST /records: the site, and the record a call is merged into by id. */
  newRecord: SiteOf;
  /** POST /alerts: the site, else the device's. */
  newAlert: SiteOf;
}

export function siteLookups(db: Queryable): SiteLookups {
  const deviceSite = async (id: string) => {
    const [row] = await db.query<{ site: string }>('SELECT site_id AS site FROM devices WHERE id = $1', [id]);
    return row?.site;
  };
  const staffSites = async (id: string) => {
    const [row] = await db.query<{ sites: string[] }>('SELECT site_ids AS sites FROM staff WHERE id = $1', [
      id,
    ]);
    return row?.sites;
  };
  const staff = siteOfParam(staffSites, staffNotFound);
  return {
    record: siteOfParam(
      (id) => siteById(db, 'service_records', id),
      (id) => recordNotFound(Number(id)),
    ),
    alert: siteOfParam(
      (id) => siteById(db, 'patrol_alerts', id),
      (id) => alertNotFound(Number(id)),
    ),
    device: siteOfParam(deviceSite, deviceNotFound),
    window: siteOfParam(
      (id) => siteById(db, 'maintenance_windows', id),
      (id) => maintenanceNotFound(Number(id)),
    ),
    plan: siteOfParam(
      (id) => siteById(db, 'maintenance_plans', id),
      (id) => new RecordsError('plan-not-found', `maintenance plan ${id} does not exist`),
    ),
    round: siteOfParam(
      (id) => siteById(db, 'rounds', id),
      (id) => new RecordsError('round-not-found', `round ${id} does not exist`),
    ),
    /** POST /rounds: a due round by id, or a route of a named site. */
    newRound: Object.assign(
      async (request: FastifyRequest) => {
        const body = request.body as Body;
        return typeof body?.round === 'number'
          ? siteById(db, 'rounds', String(body.round))
          : (body?.site as string | undefined);
      },
      {
        missing: (request: FastifyRequest, site: string) => {
          const body = request.body as Body;
          return typeof body?.round === 'number'
            ? new RecordsError('round-not-found', `round ${body.round} does not exist`)
            : siteNotFound(site);
        },
      },
    ),
    shift: siteOfParam(
      (id) => siteById(db, 'duty_shifts', id),
      (id) => shiftNotFound(Number(id)),
    ),
    staff: Object.assign(
      async (request: FastifyRequest) => {
        const now = await staff(request);
        const next = (request.body as Body)?.sites as string[] | undefined;
        // Both who they are now and who they would be; "every site" on either side is refused.
        if (now === undefined) return undefined;
        if (typeof now === 'string' || now.length === 0 || next?.length === 0) return [];
        return [...now, ...(next ?? [])];
      },
      { missing: staff.missing },
    ),
    newStaff: async (request) => ((request.body as Body)?.sites as string[] | undefined) ?? [],
    newRecord: Object.assign(
      async (request: FastifyRequest) => {
        const body = request.body as Body;
        const merge = body?.merge;
        const target = typeof merge === 'number' ? await recordSite(db, merge) : undefined;
        return [body?.site as string, ...(target ? [target] : [])];
      },
      {
        missing: (request: FastifyRequest, site: string) => {
          const body = request.body as Body;
          return site === body?.site ? siteNotFound(site) : recordNotFound(body?.merge as number);
        },
      },
    ),
    newAlert: Object.assign(
      async (request: FastifyRequest) => {
        const body = request.body as Body;
        const sites = typeof body?.site === 'string' ? [body.site] : [];
        const device = typeof body?.deviceId === 'string' ? await deviceSite(body.deviceId) : undefined;
        if (device) sites.push(device);
        return sites.length > 0 ? sites : undefined;
      },
      {
        // As the desk answers a device it does not know (records/service/patrol.ts).
        missing: (request: FastifyRequest, site: string) => {
          const body = request.body as Body;
          return site === body?.site
            ? siteNotFound(site)
            : new RecordsError('invalid-input', `device "${body?.deviceId}" is not registered`);
        },
      },
    ),
  };
}
