/**
 * What the OpenAPI document says beyond the zod schemas, filled in once for every route so a new
 * route cannot lack it: an operationId, the roles that may call it, a description of each status
 * code, and examples from the demo estate (`npm start`), so "Try it out" sends values that exist
 * there instead of the generator's invented ones (a 40-character site id, a phone `4( 7-62(845`).
 */
import type { RouteOptions } from 'fastify';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema> };

/** What each status code means in this API; a route's own response description wins. */
const STATUS_MEANING: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
  400: 'The input is not valid; `error.field` names the offending part',
  401: 'No token or session, or an unknown, revoked or expired one',
  403: "The caller's roles do not allow this",
  404: 'Not found, or not on a site the caller may see',
  409: 'Conflicts with the current state (the message says which)',
  413: 'Too large',
  415: 'Unsupported media type',
  429: 'Too many requests: wait and retry',
  500: 'Internal error: quote `error.requestId` when reporting it',
  503: 'A service this needs is not running or not configured',
};

/** Examples by property name, taken from the demo estate so a call made with them finds something. */
const EXAMPLE_BY_NAME: Record<string, unknown> = {
  site: 'demo',
  building: 'B1',
  deviceId: 'L-B1-1',
  device: 'L-B1-1',
  target: 'L-B1-1',
  staffId: 'engineer',
  assigneeId: 'engineer',
  guardId: 'guard',
  userId: 'frontdesk',
  timezone: 'Asia/Shanghai',
  phone: '13800138000',
  contactPhone: '13800138000',
  contactName: '王女士',
  floor: 7,
};

/** One instant for every date-time, as the demo estate's front desk writes it, or in UTC where only that is accepted. */
const INSTANTS = ['2026-11-30T09:41:05+08:00', '2026-11-30T01:41:05Z'];

/** Whether `value` satisfies the schema's pattern: an example must be something the API accepts. */
function fits(schema: JsonSchema, value: unknown): boolean {
  return typeof schema.pattern !== 'string' || new RegExp(schema.pattern).test(String(value));
}

function withExample(name: string, schema: JsonSchema): void {
  if ('examples' in schema || 'example' in schema || '$ref' in schema) return;
  const candidates =
    name in EXAMPLE_BY_NAME
      ? [EXAMPLE_BY_NAME[name]]
      : schema.format === 'date-time'
        ? INSTANTS
        : schema.format === 'date'
          ? [INSTANTS[0]!.slice(0, 10)]
          : [];
  const example = candidates.find((value) => fits(schema, value));
  if (example !== undefined) schema.examples = [example];
}

/** Adds examples to the properties of an object schema, and of its nested objects and arrays. */
function addExamples(schema: JsonSchema | undefined): void {
  if (!schema || typeof schema !== 'object') return;
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    for (const variant of [property, ...((property.anyOf as JsonSchema[] | undefined) ?? [])]) {
      withExample(name, variant);
      addExamples(variant);
      addExamples(variant.items as JsonSchema | undefined);
    }
  }
}

/** `GET /records/:id/history` -> `getRecordsByIdHistory`: unique, since method and path are. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .split('/')
    .filter(Boolean)
    .flatMap((segment) => (segment.startsWith(':') ? ['by', segment.slice(1)] : segment.split(/[-_.]/)));
  return [method.toLowerCase(), ...words.map((w) => w.charAt(0).toUpperCase() + w.slice(1))].join('');
}

function rolesLine(roles: readonly string[] | 'public' | undefined): string | undefined {
  if (roles === 'public') return 'Roles: none (public).';
  return roles?.length ? `Roles: ${roles.join(', ')}.` : undefined;
}

/**
 * Completes a route's transformed schema in place: operationId (unless the route names one), the
 * roles at the end of its description and as `x-roles`, a description for every status code, and
 * examples on its parameters and bodies.
 */
export function describeOperation(schema: JsonSchema, route: RouteOptions): void {
  const method = Array.isArray(route.method) ? route.method[0]! : route.method;
  schema.operationId ??= operationIdOf(method, route.url);
  const declared = route.config?.roles;
  const roles = rolesLine(declared);
  if (roles) {
    schema.description = schema.description ? `${schema.description}\n\n${roles}` : roles;
    schema['x-roles'] = declared === 'public' ? [] : declared;
  }
  // Which site the data belongs to (plugins/sites.ts): what a person limited to some sites sees.
  const scope = route.config?.sites;
  if (scope !== undefined) schema['x-site-scope'] = typeof scope === 'function' ? 'entity' : scope;
  for (const [status, response] of Object.entries((schema.response ?? {}) as Record<string, JsonSchema>)) {
    response.description ??= STATUS_MEANING[status] ?? `HTTP ${status}`;
  }
  for (const part of ['params', 'querystring', 'body'] as const) addExamples(schema[part] as JsonSchema);
  for (const response of Object.values((schema.response ?? {}) as Record<string, JsonSchema>))
    addExamples(response);
}

/**
 * The zod provider lists every named schema twice, as `X` and `XInput` (what a request may send).
 * Most of them are answers only, and their `Input` twin is referenced by nothing: drop each twin no
 * operation or kept schema refers to (again, until none goes), so the list shows what is used.
 */
export function dropUnusedInputTwins<T extends { components?: { schemas?: Record<string, unknown> } }>(
  doc: T,
): T {
  const schemas = doc.components?.schemas;
  if (!schemas) return doc;
  for (let changed = true; changed; ) {
    const text = JSON.stringify(doc);
    const unused = Object.keys(schemas).filter(
      (n) =>
        n.endsWith('Input') && n.slice(0, -5) in schemas && !text.includes(`"#/components/schemas/${n}"`),
    );
    for (const name of unused) delete schemas[name];
    changed = unused.length > 0;
  }
  return doc;
}
