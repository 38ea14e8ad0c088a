/** The service desk the record, alert and statistics routes call (records/service). */
import type { Role, ServiceDesk } from '../records/service/index.ts';
import { ApiError } from './errors.ts';
import type { Principal } from './tokens.ts';

export type { ServiceDesk };

/** Without a desk (registry-only deployments, tests of the registry) these routes say so plainly. */
export function requireDesk(desk: ServiceDesk | undefined): ServiceDesk {
  if (desk) return desk;
  throw new ApiError(503, 'desk-unavailable', 'the service desk is not running in this process');
}

/**
 * The actor the desk sees: the token's user, in the first of its roles the action allows (a token
 * may carry several). With none allowed, its first role, so the desk refuses with its own reason.
 */
export function actorFor(principal: Principal, allowed: readonly Role[]): { id: string; role: Role } {
  const role = principal.roles.find((r) => allowed.includes(r)) ?? principal.roles[0]!;
  return { id: principal.userId, role };
}
