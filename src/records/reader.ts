/**
 * What the reporting reader may see: Grafana's records datasource logs in as `grafana_reader`
 * (deploy/postgres/10-roles.sql) and its dashboards and alert rules query these tables and views.
 * It may read nothing else (tokens, sign-ins, sessions, staff phones, residents' reports) and,
 * in these, not the columns that hold a secret or a resident's personal data (PIPL: a Grafana
 * editor is not someone who handles residents' contacts). The columns are taken from the catalog
 * at each start, so a column a migration adds is readable unless it is listed here as hidden.
 */
import type { Queryable } from './db.ts';

export const REPORTING_READER = 'grafana_reader';

/** Each table or view the reader may SELECT, with the columns it may not. */
export const REPORTING_TABLES: Readonly<Record<string, readonly string[]>> = {
  sites: [],
  buildings: [],
  areas: [],
  devices: ['secret_hash', 'broker_hash'],
  // The caller's name and number, and the free text, where a number is often written too.
  service_records: ['contact_name', 'contact_phone', 'content'],
  sla_deadlines: [],
  sla_breaches: [],
  patrol_alerts: [],
  site_incidents: [],
  site_incident_devices: [],
  maintenance_windows: [],
  device_fault_occurrences: [],
  device_downtime: [],
  // Zones (the intact rate per zone) and planned work (the planned-work dashboard): plans, their
  // jobs, rounds and their points. A checkpoint's code is the proof of presence printed in its QR
  // link: whoever reads it can confirm the point without walking there. A point's note is the
  // walker's free text, where a resident's name or number may be written.
  zones: [],
  maintenance_plans: [],
  maintenance_jobs: [],
  round_routes: [],
  round_checkpoints: ['code'],
  rounds: [],
  round_points: ['note'],
};

/** A column named like a secret is hidden even when a migration adds it to a listed table unannounced. */
const SECRET_NAME = /(hash|secret|password|token)/;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Sets the reader's grants to exactly REPORTING_TABLES, when the role exists (PostgreSQL only):
 * whatever it held before (the roles script of earlier versions granted every table, now and
 * later) is taken back first. Runs inside the migration transaction, under its lock, so two
 * processes starting together do not grant at once.
 */
export async function grantReportingReader(tx: Queryable): Promise<boolean> {
  const [role] = await tx.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [REPORTING_READER]);
  if (!role) return false;
  const reader = quote(REPORTING_READER);
  await tx.exec(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${reader}`);
  await tx.exec(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM ${reader}`);
  for (const [table, hidden] of Object.entries(REPORTING_TABLES)) {
    const all = await tx.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    if (all.length === 0) continue; // not created yet by this version's migrations
    const columns = all.filter((c) => !hidden.includes(c.name) && !SECRET_NAME.test(c.name));
    if (columns.length === 0) continue;
    const list = columns.length < all.length ? ` (${columns.map((c) => quote(c.name)).join(', ')})` : '';
    await tx.exec(`GRANT SELECT${list} ON ${quote(table)} TO ${reader}`);
  }
  return true;
}
