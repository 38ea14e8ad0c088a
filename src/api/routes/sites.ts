import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { scopeFilter } from '../plugins/sites.ts';
import { ANY_ROLE, REGISTRY_WRITERS } from '../roles.ts';
import { authErrors, commonErrors, conflict, notFound, siteParams } from '../schemas/common.ts';
import {
  area,
  areaBody,
  building,
  buildingBody,
  site,
  siteBody,
  siteDetail,
  siteSummary,
} from '../schemas/sites.ts';

const tags = ['sites'];

export const siteRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, { records }) => {
  app.get(
    '/sites',
    {
      config: { roles: ANY_ROLE, sites: 'list' },
      schema: {
        tags,
        summary: 'List sites',
        response: { 200: z.object({ items: z.array(siteSummary) }), ...authErrors },
      },
    },
    async (request) => ({ items: await records.listSites(scopeFilter(request)) }),
  );

  app.post(
    '/sites',
    {
      // A person limited to some sites can only name one of them (which exists: 409).
      config: { roles: REGISTRY_WRITERS, sites: async (request) => (request.body as { id: string }).id },
      schema: {
        tags,
        summary: 'Add a site',
        body: siteBody,
        response: { 201: site, ...commonErrors, ...conflict },
      },
    },
    async (request, reply) => reply.code(201).send(await records.addSite(request.body)),
  );

  app.get(
    '/sites/:site',
    {
      config: { roles: ANY_ROLE, sites: 'named' },
      schema: {
        tags,
        summary: 'A site with its buildings and areas',
        params: siteParams,
        response: { 200: siteDetail, ...commonErrors, ...notFound },
      },
    },
    async (request) => records.getSite(request.params.site),
  );

  app.get(
    '/sites/:site/buildings',
    {
      config: { roles: ANY_ROLE, sites: 'named' },
      schema: {
        tags,
        summary: 'Buildings of a site',
        params: siteParams,
        response: { 200: z.object({ items: z.array(building) }), ...commonErrors, ...notFound },
      },
    },
    async (request) => {
      await records.getSite(request.params.site); // 404 for an unknown site, not an empty list
      return { items: await records.listBuildings(request.params.site) };
    },
  );

  app.post(
    '/sites/:site/buildings',
    {
      config: { roles: REGISTRY_WRITERS, sites: 'named' },
      schema: {
        tags,
        summary: 'Add a building',
        params: siteParams,
        body: buildingBody,
        response: { 201: building, ...commonErrors, ...notFound, ...conflict },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await records.addBuilding({ ...request.body, site: request.params.site })),
  );

  app.get(
    '/sites/:site/areas',
    {
      config: { roles: ANY_ROLE, sites: 'named' },
      schema: {
        tags,
        summary: 'Areas of a site',
        params: siteParams,
        response: { 200: z.object({ items: z.array(area) }), ...commonErrors, ...notFound },
      },
    },
    async (request) => {
      await records.getSite(request.params.site);
      return { items: await records.listAreas(request.params.site) };
    },
  );

  app.post(
    '/sites/:site/areas',
    {
      config: { roles: REGISTRY_WRITERS, sites: 'named' },
      schema: {
        tags,
        summary: 'Add an area (a lobby, a pump room, a car park level)',
        params: siteParams,
        body: areaBody,
        response: { 201: area, ...commonErrors, ...notFound, ...conflict },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await records.addArea({ ...request.body, site: request.params.site })),
  );
};
