/**
 * Who may call what. The role names are the service desk's (records/service); the groups below are
 * the API's policy for the routes that are not record or alert transitions (those follow the desk's
 * tables, TRANSITIONS and ALERT_TRANSITIONS).
 */
import { ROLES, type Role } from '../records/service/index.ts';

export { ROLES, type Role };

/** Everyone with a valid token: reading sites, devices, records, alerts. */
export const ANY_ROLE: readonly Role[] = ROLES;
/** Sites, buildings and areas: the estate's management. */
export const REGISTRY_WRITERS: readonly Role[] = ['admin', 'manager'];
/** Device credentials (register, rotate, revoke): management and the engineers who install devices. */
export const DEVICE_ADMINS: readonly Role[] = ['admin', 'manager', 'engineer'];
/** Issuing and revoking API tokens. */
export const TOKEN_ADMINS: readonly Role[] = ['admin'];
/** Prometheus scrapes with a service token; admins and managers may look. */
export const METRICS_READERS: readonly Role[] = ['service', 'admin', 'manager'];
/** Who may read what ingest refused (the device's raw bytes): the people who fix devices. */
export const INGEST_READERS: readonly Role[] = ['engineer', 'supervisor', 'manager', 'admin', 'service'];
/** Recording a call, walk-in, staff report or supervisor's order (the front desk is the hub). */
export const RECORD_CREATORS: readonly Role[] = ['front_desk', 'supervisor', 'manager', 'admin', 'service'];
/** Raising a patrol alert by hand (rules/ raise theirs in-process): the desk and the service account. */
export const ALERT_RAISERS: readonly Role[] = ['front_desk', 'supervisor', 'manager', 'admin', 'service'];
/** Acting on patrol alerts: the guards' procedure (records/service/patrol.ts). */
export const ALERT_ACTORS: readonly Role[] = ['guard', 'supervisor', 'manager'];
/** Statistics: the managers' "three rates" tables, and the desk that reports them. */
export const STATS_READERS: readonly Role[] = ['front_desk', 'supervisor', 'manager', 'admin'];
/** Staff and the duty table dispatch reads: the people who run the rota. Everyone may read it. */
export const DUTY_WRITERS: readonly Role[] = ['supervisor', 'manager', 'admin'];
/**
 * The staff roles each writer of the duty table may give, and so whose rows they may change: a
 * supervisor runs the front desk, the engineers and the guards (and fellow supervisors' rota, not
 * their roles); a manager also the supervisors; an admin everyone. Nobody gives a role above their
 * own or changes the row of a person who holds one, so a supervisor cannot make an admin, nor take
 * an admin's or a manager's roles away or deactivate them.
 */
const GRANTS: Partial<Record<Role, readonly Role[]>> = {
  supervisor: ['front_desk', 'engineer', 'guard'],
  manager: ['front_desk', 'engineer', 'guard', 'supervisor'],
  admin: ['front_desk', 'engineer', 'guard', 'supervisor', 'manager', 'admin'],
};

/** The roles in `wanted` that a caller holding `roles` may not give. */
export function rolesNotGivable(roles: readonly Role[], wanted: readonly Role[]): Role[] {
  const may = new Set(roles.flatMap((r) => GRANTS[r] ?? []));
  return wanted.filter((r) => !may.has(r));
}

/**
 * A site's deadlines: the managers' policy, since the rates they report are measured against them
 * (a supervisor does not loosen the clock their own team runs on).
 */
export const SLA_WRITERS: readonly Role[] = ['manager', 'admin'];
/** Planned maintenance that holds device faults back (rules/): supervisors plan the work. */
export const MAINTENANCE_WRITERS: readonly Role[] = ['supervisor', 'manager', 'admin'];

/**
 * Residents' phone numbers are personal information (China's PIPL: only the people who need them).
 * The hub that records calls and calls residents back sees them in full, in lists and on records.
 */
export const CONTACT_READERS: readonly Role[] = ['front_desk', 'supervisor', 'manager'];
/**
 * Engineers and guards see a record's contact only on the record itself, and only while they work
 * it: it is assigned to them, or they hold a patrol alert on it. Everyone else sees 138****1234.
 */
export const CONTACT_WORKERS: readonly Role[] = ['engineer', 'guard'];
/** Who may read the audit trail of full numbers shown (GET /contact-reads). */
export const CONTACT_AUDITORS: readonly Role[] = ['manager', 'admin'];
/** The HTTP authentication and authorization EMQX calls (a broker's service token). */
export const BROKER_CALLERS: readonly Role[] = ['service'];

/**
 * Commands to devices (docs/mqtt-contract.md, "Commands"). Asking a device for a reading changes
 * nothing, so the desk and the guards may too; resetting a tripped circuit re-energises it, which
 * is the engineers' and their supervisors' decision (a trip can mean a fault still on the circuit).
 */
export const COMMAND_SENDERS: Readonly<Record<'reset' | 'report-now', readonly Role[]>> = {
  'report-now': ['front_desk', 'engineer', 'guard', 'supervisor', 'manager', 'admin', 'service'],
  reset: ['engineer', 'supervisor', 'manager', 'admin', 'service'],
};
/** Anyone who may send at least one command; the route checks the command itself. */
export const ANY_COMMAND_SENDER: readonly Role[] = [...new Set(Object.values(COMMAND_SENDERS).flat())];
/** Zones of responsibility, inspection routes, their checkpoints' codes and schedules: who runs the rota. */
export const ROUND_PLANNERS: readonly Role[] = ['supervisor', 'manager', 'admin'];
/** Walking inspection rounds: guards (巡更), engineers (巡检), and their supervisors stepping in. */
export const ROUND_WALKERS: readonly Role[] = ['guard', 'engineer', 'supervisor', 'manager'];
