/**
 * The rounds' pages: a walker's list and round (/m/rounds), the page a checkpoint's QR link opens
 * (/m/p/:code), and the planners' zones and routes with the printable codes. Everything is read
 * through the service desk; the scripts change rounds through the JSON API.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Records } from '../../../records/index.ts';
import type { ServiceDesk } from '../../../records/service/index.ts';
import { inScope } from '../../plugins/sites.ts';
import type { Role } from '../../roles.ts';
import {
  pointPage,
  type RouteChoice,
  roundPage,
  roundsPage,
  routeQrPage,
  unknownPointPage,
  zonesPage,
} from '../pages/rounds.ts';
import type { ConsoleState } from '../state.ts';
import { sendPage, staffPage } from '../web.ts';

export interface RoundPagesDeps {
  state: ConsoleState;
  desk: ServiceDesk | undefined;
  records: Records;
  /** The API's groups (api/roles.ts): who walks rounds, who plans zones and routes. */
  walkers: readonly Role[];
  planners: readonly Role[];
}

const CODE = /^[A-Z0-9]{6,32}$/;
const noDesk = (reply: FastifyReply) =>
  reply.code(503).type('text/plain').send('the service desk does not run in this process');

export function roundPages(app: FastifyInstance, d: RoundPagesDeps): void {
  app.get('/m/rounds', async (request, reply) => {
    const p = await staffPage(request, reply, d.state, d.walkers);
    if (!p) return;
    if (!d.desk) return noDesk(reply);
    const mine = p.session!.sites;
    const sites = mine.length ? mine : (await d.records.listSites()).map((s) => s.id);
    const routes: RouteChoice[] = [];
    for (const site of sites) {
      const list = await d.desk.listRoutes(site).catch(() => []);
      routes.push(...list.map((r) => ({ site: r.site, id: r.id, name: r.name })));
    }
    return sendPage(reply, roundsPage(p, { routes }));
  });

  app.get('/m/rounds/:id', async (request, reply) => {
    const id = Number((request.params as { id: string }).id);
    if (!Number.isSafeInteger(id) || id <= 0) return reply.code(404).type('text/plain').send('no such round');
    const p = await staffPage(request, reply, d.state, d.walkers);
    if (p) return sendPage(reply, roundPage(p, { id }));
  });

  app.get('/m/p/:code', async (request, reply) => {
    const { code } = request.params as { code: string };
    const p = await staffPage(request, reply, d.state, d.walkers);
    if (!p) return;
    if (!d.desk) return noDesk(reply);
    const point = CODE.test(code) ? await d.desk.checkpointByCode(code) : undefined;
    // Another site's checkpoint is as unknown as a wrong code to a person of this site.
    if (!point || !inScope(p.session?.principal, point.site))
      return sendPage(reply, unknownPointPage(p), 404);
    const route = await d.desk.getRoute(point.site, point.route);
    return sendPage(
      reply,
      pointPage(p, { code, site: point.site, route: point.route, routeName: route.name, name: point.name }),
    );
  });

  app.get('/manage/zones', async (request, reply) => {
    const p = await staffPage(request, reply, d.state, d.planners);
    if (!p) return;
    if (!d.desk) return noDesk(reply);
    const sites = (await d.records.listSites()).filter((s) => inScope(p.session?.principal, s.id));
    const asked = (request.query as { site?: string }).site;
    const site = sites.find((s) => s.id === asked)?.id ?? sites[0]?.id;
    const zones = site ? await d.desk.listZones(site) : [];
    const routes = site ? await d.desk.listRoutes(site) : [];
    return sendPage(reply, zonesPage(p, { sites, site, zones, routes }));
  });

  app.get('/manage/rounds/qr', async (request, reply) => {
    const p = await staffPage(request, reply, d.state, d.planners);
    if (!p) return;
    if (!d.desk) return noDesk(reply);
    const q = request.query as { site?: string; route?: string };
    const route = inScope(p.session?.principal, q.site ?? '')
      ? await d.desk.getRoute(q.site ?? '', q.route ?? '').catch(() => undefined)
      : undefined;
    if (!route) return reply.code(404).type('text/plain').send('no such route');
    return sendPage(reply, routeQrPage(p, { route, origin: `${request.protocol}://${request.host}` }));
  });
}
