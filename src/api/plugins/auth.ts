/**
 * Bearer tokens and roles. Every route in the API scope declares `config.roles` (or 'public'); a
 * route without it refuses to register, so nothing is open by omission. The check runs in onRequest,
 * before the body is read or validated: a caller without the role learns nothing about the input.
 */
import type { FastifyRequest } from 'fastify';
import type { App } from '../context.ts';
import { forbidden, unauthorized } from '../errors.ts';
import type { Role } from '../roles.ts';
import type { StreamTickets } from '../stream-tickets.ts';
import type { Principal, TokenStore } from '../tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Roles allowed to call the route (any one of them), or 'public' for no token at all. */
    roles?: readonly Role[] | 'public';
    /** The route also accepts a one-time `?ticket=` (GET /stream, for EventSource). */
    ticket?: boolean;
  }
}

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Another way in than a bearer token: the web console's session cookie (src/api/console/state.ts).
 * The roles and per-record rules stay the routes' own, so the console and the API cannot differ.
 */
export interface SessionAuthenticator {
  /** undefined: the request carries no session; throws 401/403 for an ended one or a missing CSRF token. */
  authenticate(request: FastifyRequest): Promise<Principal | undefined>;
}

/** The authenticated caller; routes behind a role check always have one. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized('this route needs a token');
  return request.principal;
}

async function authenticate(
  request: FastifyRequest,
  tokens: TokenStore,
  tickets: StreamTickets,
  sessions: SessionAuthenticator | undefined,
): Promise<Principal> {
  const header = request.headers.authorization;
  const ticket = (request.query as { ticket?: unknown } | undefined)?.ticket;
  if (!header && typeof ticket === 'string' && request.routeOptions.config.ticket) {
    const holder = tickets.take(ticket);
    if (!holder)
      throw unauthorized('unknown, used or expired ticket; ask POST /stream/tickets for a new one');
    return holder;
  }
  // A bearer header wins: browsers never add one on their own, so it needs no CSRF check.
  const session = header ? undefined : await sessions?.authenticate(request);
  if (session) return session;
  if (!header)
    throw unauthorized('send "Authorization: Bearer <token>"; an admin issues tokens (docs/api.md)');
  const token = BEARER.exec(header)?.[1];
  if (!token) throw unauthorized('malformed Authorization header; expected "Bearer <token>"');
  const principal = await tokens.verify(token);
  if (!principal) throw unauthorized('unknown or revoked token');
  return principal;
}

export function registerAuth(
  app: App,
  tokens: TokenStore,
  tickets: StreamTickets,
  sessions?: SessionAuthenticator,
): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    if (!route.config?.roles) {
      throw new Error(`route ${route.method} ${route.url} declares no roles (config.roles or 'public')`);
    }
  });
  app.addHook('onRequest', async (request) => {
    const roles = request.routeOptions.config.roles;
    if (roles === 'public' || request.is404) return;
    const principal = await authenticate(request, tokens, tickets, sessions);
    request.principal = principal;
    if (!roles?.some((r) => principal.roles.includes(r))) {
      throw forbidden(
        `this needs one of the roles ${roles?.join(', ')}; your token has ${principal.roles.join(', ')}`,
      );
    }
  });
}
