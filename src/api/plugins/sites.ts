/**
 * Site scope: a console session of a person whose staff row names sites sees and changes only those
 * sites (empty: every site; API tokens: every site). Like `config.roles`, every route declares
 * `config.sites`, and a route without it refuses to register, so nothing is unscoped by omission:
 *
 * - 'none': the data is not site-bound (/health, /me, /tokens, /logins);
 * - 'named': the site is in params, query or body `site`; checked once the input is validated;
 * - 'list': the handler filters by `scopeFilter(request)` (and a `site` filter, if given, is
 *   checked as for 'named'); a scoped request whose handler never asked is refused (500), not leaked;
 * - a function `(request) => Promise<site | sites | undefined>`: the site(s) of what the request
 *   names (the record, alert, device, window or person behind `:id`, a device in the body); checked
 *   before the handler. undefined means "nothing there": the handler answers its own 404.
 *
 * Out of scope is the same 404 as a missing entity (its `missing` answer), or as a missing site, so
 * a person never learns what exists at a site that is not theirs.
 */
import type { FastifyRequest } from 'fastify';
import { siteNotFound } from '../../records/index.ts';
import type { App } from '../context.ts';
import { forbidden } from '../errors.ts';
import type { Principal } from '../tokens.ts';

/** The site (or sites) a request touches; undefined when what it names does not exist. */
export type SiteOf = ((request: FastifyRequest) => Promise<string | readonly string[] | undefined>) & {
  /** What a missing entity answers (e.g. record-not-found), given to an out-of-scope `site` too. */
  missing?: (request: FastifyRequest, site: string) => Error;
};

export type SiteScope = 'none' | 'named' | 'list' | SiteOf;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which site the route's data belongs to (src/api/plugins/sites.ts); required, like roles. */
    sites?: SiteScope;
  }
  interface FastifyRequest {
    /** Set when a 'list' handler asked for the caller's sites. */
    siteFilterAsked: boolean;
  }
}

/** The sites a principal is limited to; undefined: every site (tokens, people of every site). */
export function scopeOf(principal: Principal | null | undefined): readonly string[] | undefined {
  return principal?.sites?.length ? principal.sites : undefined;
}

/** Whether the principal may see `site`. */
export function inScope(principal: Principal | null | undefined, site: string): boolean {
  const sites = scopeOf(principal);
  return !sites || sites.includes(site);
}

/**
 * For a 'list' handler: pass as the store's `sites` filter (site_id = ANY(...)), so paging stays
 * keyset-correct. undefined: every site.
 */
export function scopeFilter(request: FastifyRequest): string[] | undefined {
  request.siteFilterAsked = true;
  const sites = scopeOf(request.principal);
  return sites ? [...sites] : undefined;
}

/** The entity lookup behind a `:id`: its site, undefined if missing; `missing` is its 404. */
export function siteOfParam<K extends string>(
  lookup: (id: string) => Promise<string | readonly string[] | undefined>,
  missing: (id: string) => Error,
  param: K = 'id' as K,
): SiteOf {
  const idOf = (request: FastifyRequest) => String((request.params as Record<string, unknown>)[param]);
  return Object.assign((request: FastifyRequest) => lookup(idOf(request)), {
    missing: (request: FastifyRequest) => missing(idOf(request)),
  });
}

/** `site` from params, then query, then body (after validation). */
function namedSite(request: FastifyRequest): string | undefined {
  for (const part of [request.params, request.query, request.body]) {
    const site = (part as { site?: unknown } | null | undefined)?.site;
    if (typeof site === 'string') return site;
  }
  return undefined;
}

/** Refuses any site of `sites` the principal may not see, with `missing` or a missing site's 404. */
function check(
  principal: Principal,
  sites: string | readonly string[],
  missing?: (site: string) => Error,
): void {
  const list: readonly string[] = typeof sites === 'string' ? [sites] : sites;
  // "Every site" (a staff row with no sites) is more than a person limited to some sites may touch;
  // it names nothing that exists elsewhere, so saying so reveals nothing.
  if (list.length === 0)
    throw forbidden(`your sign-in is limited to the sites ${scopeOf(principal)!.join(', ')}; name them`);
  const outside = list.find((s) => !inScope(principal, s));
  if (outside === undefined) return;
  throw missing ? missing(outside) : siteNotFound(outside);
}

export function registerSiteScope(app: App): void {
  app.decorateRequest('siteFilterAsked', false);
  app.addHook('onRoute', (route) => {
    if (!route.config?.sites) {
      throw new Error(
        `route ${route.method} ${route.url} declares no site scope (config.sites: 'none', 'named', 'list' or a lookup)`,
      );
    }
  });
  // preHandler: after validation, so 'named' reads the validated site and lookups a valid id.
  app.addHook('preHandler', async (request) => {
    const declared = request.routeOptions.config.sites;
    const principal = request.principal;
    if (!declared || declared === 'none' || !scopeOf(principal)) return;
    if (declared === 'named' || declared === 'list') {
      const site = namedSite(request);
      if (site !== undefined) check(principal!, site);
      else if (declared === 'named')
        throw new Error(`route ${request.routeOptions.url} declares a named site but none was given`);
      return;
    }
    const sites = await declared(request);
    const missing = declared.missing;
    if (sites !== undefined) check(principal!, sites, missing && ((site) => missing(request, site)));
  });
  // A 'list' route whose handler never applied the scope would answer every site: refuse instead.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.routeOptions.config.sites !== 'list' || request.siteFilterAsked) return payload;
    if (!scopeOf(request.principal) || reply.statusCode >= 300) return payload;
    throw new Error(`route ${request.routeOptions.url} is declared 'list' but did not apply scopeFilter()`);
  });
}
