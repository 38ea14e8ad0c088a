/**
 * Who may call what. The role names are the service desk's (records/service); the groups below are
 * the API's policy for the routes that are not record transitions (those follow the desk's table).
 */
export const ROLES = [
  'front_desk',
  'engineer',
  'guard',
  'supervisor',
  'manager',
  'admin',
  'service',
] as const;
export type Role = (typeof ROLES)[number];

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
/** Recording a call, walk-in or staff report. */
export const RECORD_CREATORS: readonly Role[] = ['front_desk', 'supervisor', 'manager', 'admin', 'service'];
/** Statistics: the managers' "three rates" tables. */
export const STATS_READERS: readonly Role[] = ['supervisor', 'manager', 'admin', 'front_desk'];
