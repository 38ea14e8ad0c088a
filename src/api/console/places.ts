/**
 * Places residents report from: one per device, building lobby and area of a site, each with a
 * random code for its printed QR URL, and the problems that fit it. A report becomes a call-source
 * record at the place through the service desk, merged into the device's open record if it has one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Clock, dateOf } from '../../clock.ts';
import type { Queryable } from '../../records/index.ts';
import type { Priority, RecordType, Trade } from '../../records/service/index.ts';

export interface Place {
  code: string;
  site: string;
  kind: 'device' | 'building' | 'area';
  target: string;
  /** What to call the place: the device's location, the building's or area's name. */
  label: string;
  /** The device's kind (lift, pump, lighting, cctv), or lobby / area. */
  sort: string;
  building: string | null;
  floor: number | null;
  area: string | null;
  deviceId: string | null;
}

export interface Problem {
  key: string;
  type: RecordType;
  trade: Trade;
  priority: Priority;
}

const p = (
  key: string,
  priority: Priority,
  trade: Trade = 'engineering',
  type: RecordType = 'repair',
): Problem => ({
  key,
  type,
  trade,
  priority,
});

/** What a resident may report at each sort of place; the priority is the procedure's for it. */
export const PROBLEMS: Record<string, Problem[]> = {
  lift: [
    p('trapped', 'emergency'),
    p('doors', 'urgent'),
    p('stopped', 'urgent'),
    p('noise', 'normal'),
    p('buttons', 'normal'),
    p('other', 'normal'),
  ],
  pump: [p('flood', 'emergency'), p('no_water', 'urgent'), p('noise', 'normal'), p('other', 'normal')],
  lighting: [p('dark', 'normal'), p('flicker', 'low'), p('on_daytime', 'low'), p('other', 'normal')],
  cctv: [p('damaged', 'normal'), p('other', 'normal', 'security')],
  lobby: [
    p('light', 'normal'),
    p('door', 'normal'),
    p('safety', 'urgent', 'security', 'help'),
    p('clean', 'low', 'cleaning'),
    p('other', 'normal', 'customer_service', 'help'),
  ],
  area: [
    p('light', 'normal'),
    p('safety', 'urgent', 'security', 'help'),
    p('clean', 'low', 'cleaning'),
    p('other', 'normal', 'customer_service', 'help'),
  ],
};

const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** 12 characters of 31: about 59 bits, far beyond walking the codes at any rate limit. */
function newCode(): string {
  const bytes = randomBytes(12);
  return [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const PLACE_SQL = `SELECT p.code, p.site_id AS site, p.kind, p.target,
    coalesce(d.location, b.name, a.name, p.target) AS label,
    CASE p.kind WHEN 'device' THEN d.kind WHEN 'building' THEN 'lobby' ELSE 'area' END AS sort,
    CASE p.kind WHEN 'device' THEN d.building_id WHEN 'building' THEN p.target ELSE a.building_id END AS building,
    CASE p.kind WHEN 'device' THEN d.floor ELSE NULL END AS floor,
    CASE p.kind WHEN 'area' THEN p.target ELSE NULL END AS area,
    CASE p.kind WHEN 'device' THEN p.target ELSE NULL END AS "deviceId"
  FROM report_places p
  LEFT JOIN devices d ON p.kind = 'device' AND d.id = p.target AND d.revoked_at IS NULL
  LEFT JOIN buildings b ON p.kind = 'building' AND b.site_id = p.site_id AND b.id = p.target
  LEFT JOIN areas a ON p.kind = 'area' AND a.site_id = p.site_id AND a.id = p.target`;

export class PlaceStore {
  constructor(
    private readonly db: Queryable,
    private readonly now: Clock,
  ) {}

  /** Gives every device, building and area of the site a code if it has none; returns how many were new. */
  async ensure(site: string, by: string): Promise<number> {
    const targets = await this.db.query<{ kind: string; target: string }>(
      `SELECT 'device' AS kind, id AS target FROM devices WHERE site_id = $1 AND revoked_at IS NULL
       UNION ALL SELECT 'building', id FROM buildings WHERE site_id = $1
       UNION ALL SELECT 'area', id FROM areas WHERE site_id = $1`,
      [site],
    );
    let added = 0;
    for (const t of targets) {
      const rows = await this.db.query(
        `INSERT INTO report_places (code, site_id, kind, target, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (site_id, kind, target) DO NOTHING RETURNING 1`,
        [newCode(), site, t.kind, t.target, dateOf(this.now), by],
      );
      added += rows.length;
    }
    return added;
  }

  /** A site's places, buildings first, then devices by building, then areas. */
  async list(site: string): Promise<Place[]> {
    const rows = await this.db.query<Place>(`${PLACE_SQL} WHERE p.site_id = $1`, [site]);
    const order = { building: 0, device: 1, area: 2 };
    return rows
      .filter((r) => r.sort !== null)
      .sort(
        (a, b) =>
          order[a.kind] - order[b.kind] ||
          (a.building ?? '').localeCompare(b.building ?? '') ||
          a.label.localeCompare(b.label),
      );
  }

  /** The place behind a printed code (a revoked device's code no longer answers). */
  async get(code: string): Promise<Place | undefined> {
    if (!/^[A-Z2-9]{12}$/.test(code)) return undefined;
    const [row] = await this.db.query<Place>(`${PLACE_SQL} WHERE p.code = $1`, [code]);
    return row?.sort ? row : undefined;
  }

  /** Remembers a report and returns the secret of its status link. */
  async addReport(r: { code: string; recordId: number; problem: string; merged: boolean }): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await this.db.query(
      `INSERT INTO resident_reports (token_hash, place_code, record_id, problem, merged, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [sha256(token), r.code, r.recordId, r.problem, r.merged, dateOf(this.now)],
    );
    return token;
  }

  /** What a status link may show: the resident's own report and the record's step, nothing else. */
  async status(token: string) {
    if (token.length > 64) return undefined;
    const [row] = await this.db.query<{
      problem: string;
      createdAt: Date;
      state: string;
      label: string;
      timezone: string;
    }>(
      `SELECT r.problem, r.created_at AS "createdAt", s.state, pl.label, si.timezone
       FROM resident_reports r JOIN service_records s ON s.id = r.record_id
       JOIN (${PLACE_SQL}) pl ON pl.code = r.place_code JOIN sites si ON si.id = pl.site
       WHERE r.token_hash = $1`,
      [sha256(token)],
    );
    return row;
  }
}
