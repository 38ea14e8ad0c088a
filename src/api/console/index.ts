/**
 * The web console: server-rendered pages with a little JavaScript, served by the API's fastify
 * app under `/` beside the JSON routes (docs/console.md). Pages carry words and layout; their
 * scripts read and change records through the same JSON API with the session cookie, so the
 * server applies one set of roles and rules to both.
 */

import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.ts';
import type { Queryable, Records } from '../../records/index.ts';
import { label, STATE_LABELS } from '../../records/service/index.ts';
import { AttachmentStore, MAX_PHOTO_BYTES } from '../attachments.ts';
import type { ServiceDesk } from '../desk.ts';
import { inScope } from '../plugins/sites.ts';
import { DUTY_WRITERS, ROUND_PLANNERS, ROUND_WALKERS, SLA_WRITERS, STATS_READERS } from '../roles.ts';
import { recordSite } from '../site-lookups.ts';
import { pickEncoding } from './assets.ts';
import { langOf } from './i18n.ts';
import { deskPage } from './pages/desk.ts';
import { newRecordPage } from './pages/desk-new.ts';
import { dutyPage } from './pages/duty.ts';
import { estatePage } from './pages/estate.ts';
import { homePage } from './pages/home.ts';
import { DESK_ROLES, type PageContext } from './pages/layout.ts';
import { managePage } from './pages/manage.ts';
import { alertsPage, manifest, slipsPage } from './pages/mobile.ts';
import { peoplePage } from './pages/people.ts';
import { plansPage } from './pages/plans.ts';
import { recordPage } from './pages/record.ts';
import { PlaceStore } from './places.ts';
import { personPages } from './routes/person-pages.ts';
import { residentRoutes } from './routes/resident-routes.ts';
import { roundPages } from './routes/round-pages.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import type { ConsoleState } from './state.ts';
import { sendPage, staffPage } from './web.ts';

export { consoleApiRoutes } from './api-routes.ts';
export { LoginStore } from './logins.ts';
export { type ConsoleState, openConsoleState } from './state.ts';

/**
 * Only our own files and the API: no inline script, no framing, forms post only to us. Stricter
 * than helmet's default for the API, and without upgrade-insecure-requests on plain HTTP (the demo
 * on 127.0.0.1), which would break a LAN deployment that has no TLS yet.
 */
function csp(request: FastifyRequest): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
    ...(request.protocol === 'https' ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/** Pages are small but compress 4-5x; brotli at a middling level costs well under a millisecond. */
function compress(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (typeof payload !== 'string' || payload.length < 1024) return payload;
  if (!String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
  const encoding = pickEncoding(request.headers['accept-encoding']);
  reply.header('vary', 'accept-encoding');
  if (!encoding) return payload;
  reply.header('content-encoding', encoding);
  reply.removeHeader('content-length');
  return encoding === 'br'
    ? brotliCompressSync(payload, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })
    : gzipSync(payload, { level: 6 });
}

/**
 * The record a page names, if it exists and the signed-in person may see its site (the API's own
 * lookup and scope rule): otherwise undefined, and the page answers 404 as for no record at all.
 */
async function visibleRecordId(
  request: FastifyRequest,
  p: PageContext,
  db: Queryable,
): Promise<number | undefined> {
  const id = Number((request.params as { id: string }).id);
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const site = await recordSite(db, id);
  return site !== undefined && inScope(p.session?.principal, site) ? id : undefined;
}

export interface ConsolePagesOptions {
  state: ConsoleState;
  desk: ServiceDesk | undefined;
  records: Records;
  now: Clock;
}

export async function consolePages(app: FastifyInstance, { state, desk, records, now }: ConsolePagesOptions) {
  // Pages are not API operations: keep them out of the OpenAPI document.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('content-security-policy', csp(request));
    reply.header('referrer-policy', 'same-origin');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return compress(request, reply, payload);
  });

  app.get('/assets/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    const asset = state.assets.get(name);
    if (!asset) return reply.code(404).type('text/plain').send('no such file');
    const versioned = (request.query as { v?: string }).v === asset.hash;
    reply.header('cache-control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache');
    reply.header('etag', `"${asset.hash}"`);
    reply.header('vary', 'accept-encoding');
    if (request.headers['if-none-match'] === `"${asset.hash}"`) return reply.code(304).send();
    const encoding = pickEncoding(request.headers['accept-encoding']);
    if (encoding) reply.header('content-encoding', encoding);
    return reply.type(asset.type).send(encoding ? asset[encoding] : asset.body);
  });

  sessionRoutes(app, state, now);
  // Residents' photos: one image, as large as a photo the API takes; the page shrinks it first.
  await app.register(multipart, {
    limits: { fileSize: MAX_PHOTO_BYTES, files: 1, fields: 6, fieldSize: 1000, parts: 8 },
    throwFileSizeLimit: true,
  });
  const attachments = new AttachmentStore(records.db, now);
  residentRoutes(app, { state, places: new PlaceStore(records.db, now), desk, records, attachments, now });

  roundPages(app, { state, desk, records, walkers: ROUND_WALKERS, planners: ROUND_PLANNERS });
  personPages(app, { state, desk, records });

  app.get('/', async (request, reply) => {
    const p = await staffPage(request, reply, state);
    if (p) return sendPage(reply, homePage(p));
  });
  app.get('/desk', async (request, reply) => {
    const p = await staffPage(request, reply, state, DESK_ROLES);
    if (p)
      return sendPage(
        reply,
        deskPage(p, (s) => label(STATE_LABELS, s, p.lang)),
      );
  });
  app.get('/desk/new', async (request, reply) => {
    const p = await staffPage(request, reply, state, DESK_ROLES);
    if (p) return sendPage(reply, newRecordPage(p));
  });
  app.get('/desk/records/:id', async (request, reply) => {
    const p = await staffPage(request, reply, state);
    if (!p) return;
    const id = await visibleRecordId(request, p, records.db);
    if (id === undefined) return reply.code(404).type('text/plain').send('no such record');
    return sendPage(reply, recordPage(p, { id, phone: false }));
  });
  app.get('/m', async (request, reply) => {
    const p = await staffPage(request, reply, state);
    if (p) return sendPage(reply, slipsPage(p));
  });
  app.get('/m/alerts', async (request, reply) => {
    const p = await staffPage(request, reply, state);
    if (p) return sendPage(reply, alertsPage(p));
  });
  app.get('/m/records/:id', async (request, reply) => {
    const p = await staffPage(request, reply, state);
    if (!p) return;
    const id = await visibleRecordId(request, p, records.db);
    if (id === undefined) return reply.code(404).type('text/plain').send('no such record');
    return sendPage(reply, recordPage(p, { id, phone: true }));
  });
  app.get('/m/manifest.webmanifest', async (request, reply) =>
    reply
      .type('application/manifest+json')
      .header('cache-control', 'no-cache')
      .send(JSON.stringify(manifest(langOf(request), state.assets.url('icon.svg')))),
  );
  app.get('/m/sw.js', async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      // Its scope is /m (the slip list itself), one level above the script's own folder.
      .header('service-worker-allowed', '/m')
      .send(state.assets.get('sw.js')!.body),
  );
  app.get('/manage', async (request, reply) => {
    const p = await staffPage(request, reply, state, STATS_READERS);
    if (p) return sendPage(reply, managePage(p));
  });
  app.get('/manage/duty', async (request, reply) => {
    const p = await staffPage(request, reply, state, DUTY_WRITERS);
    const canEditLimits = p?.session?.principal.roles.some((r) => SLA_WRITERS.includes(r)) ?? false;
    if (p) return sendPage(reply, dutyPage(p, { canEditLimits }));
  });
  app.get('/estate', async (request, reply) => {
    const p = await staffPage(request, reply, state);
    if (p) return sendPage(reply, estatePage(p));
  });
  app.get('/manage/plans', async (request, reply) => {
    const p = await staffPage(request, reply, state, [...DESK_ROLES, 'engineer']);
    if (p) return sendPage(reply, plansPage(p));
  });
  app.get('/admin/people', async (request, reply) => {
    const p = await staffPage(request, reply, state, ['admin']);
    if (p) return sendPage(reply, peoplePage(p));
  });
}
