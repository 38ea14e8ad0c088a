/**
 * Zones of responsibility, inspection routes and schedules (planners), and rounds walked point by
 * point (guards and engineers). Checkpoint codes are proof of presence: only planners read them.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { actorFor, requireDesk } from '../desk.ts';
import { principalOf } from '../plugins/auth.ts';
import { scopeFilter } from '../plugins/sites.ts';
import { ANY_ROLE, ROUND_PLANNERS, ROUND_WALKERS } from '../roles.ts';
import { commonErrors, conflict, errorBody, siteParams } from '../schemas/common.ts';
import {
  confirmBody,
  findingBody,
  findingCreated,
  round,
  roundDetail,
  roundParams,
  roundQuery,
  route,
  routeBody,
  routeParams,
  schedule,
  scheduleBody,
  startBody,
  zone,
  zoneBody,
  zoneParams,
  zoneReplaceBody,
} from '../schemas/rounds.ts';
import { siteLookups } from '../site-lookups.ts';

const errors = { ...commonErrors, 404: errorBody, ...conflict, 503: errorBody };

export const roundRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const desk = () => requireDesk(ctx.desk);
  const at = siteLookups(ctx.records.db);
  const zones = { tags: ['zones'] };
  const rounds = { tags: ['rounds'] };

  app.get(
    '/sites/:site/zones',
    {
      config: { roles: ANY_ROLE, sites: 'named' },
      schema: {
        ...zones,
        summary: "A site's zones with their responsible people per trade",
        params: siteParams,
        response: { 200: z.object({ items: z.array(zone) }), ...errors },
      },
    },
    async (request) => ({ items: await desk().listZones(request.params.site) }),
  );
  app.post(
    '/sites/:site/zones',
    {
      config: { roles: ROUND_PLANNERS, sites: 'named' },
      schema: {
        ...zones,
        summary: 'Add a zone: buildings, areas, responsible people per trade',
        params: siteParams,
        body: zoneBody,
        response: { 201: zone, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await desk().addZone({ ...request.body, site: request.params.site })),
  );
  app.get(
    '/sites/:site/zones/:zone',
    {
      config: { roles: ANY_ROLE, sites: 'named' },
      schema: { ...zones, summary: 'One zone', params: zoneParams, response: { 200: zone, ...errors } },
    },
    async (request) => desk().getZone(request.params.site, request.params.zone),
  );
  app.put(
    '/sites/:site/zones/:zone',
    {
      config: { roles: ROUND_PLANNERS, sites: 'named' },
      schema: {
        ...zones,
        summary: "Replace a zone's name, places and people",
        params: zoneParams,
        body: zoneReplaceBody,
        response: { 200: zone, ...errors },
      },
    },
    async (request) =>
      desk().replaceZone({ ...request.body, site: request.params.site, id: request.params.zone }),
  );

  app.get(
    '/sites/:site/round-routes',
    {
      config: { roles: ROUND_PLANNERS, sites: 'named' },
      schema: {
        ...rounds,
        summary: "A site's inspection routes with checkpoints (and their codes) and schedules",
        params: siteParams,
        response: { 200: z.object({ items: z.array(route) }), ...errors },
      },
    },
    async (request) => ({ items: await desk().listRoutes(request.params.site) }),
  );
  app.post(
    '/sites/:site/round-routes',
    {
      config: { roles: ROUND_PLANNERS, sites: 'named' },
      schema: {
        ...rounds,
        summary: 'Add an inspection route: ordered checkpoints, each given a QR code',
        params: siteParams,
        body: routeBody,
        response: { 201: route, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await desk().addRoute({ ...request.body, site: request.params.site })),
  );
  app.get(
    '/sites/:site/round-routes/:route',
    {
      config: { roles: ROUND_PLANNERS, sites: 'named' },
      schema: {
        ...rounds,
        summary: 'One inspection route',
        params: routeParams,
        response: { 200: route, ...errors },
      },
    },
    async (request) => desk().getRoute(request.params.site, request.params.route),
  );
  app.post(
    '/sites/:site/round-routes/:route/schedules',
    {
      config: { roles: ROUND_PLANNERS, sites: 'named' },
      schema: {
        ...rounds,
        summary: "Schedule the route as a shift's round (site local time)",
        params: routeParams,
        body: scheduleBody,
        response: { 201: schedule, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(
        await desk().addRoundSchedule({
          ...request.body,
          site: request.params.site,
          route: request.params.route,
        }),
      ),
  );

  app.get(
    '/rounds',
    {
      config: { roles: ANY_ROLE, sites: 'list' },
      schema: {
        ...rounds,
        summary: 'List rounds, latest due first',
        querystring: roundQuery,
        response: { 200: z.object({ items: z.array(round) }), ...errors },
      },
    },
    async (request) => ({
      items: await desk().listRounds({ ...request.query, sites: scopeFilter(request) }),
    }),
  );
  app.post(
    '/rounds',
    {
      config: { roles: ROUND_WALKERS, sites: at.newRound },
      schema: {
        ...rounds,
        summary: 'Start a due round, or an unscheduled round of a route',
        body: startBody,
        response: { 201: roundDetail, ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorFor(principalOf(request), ROUND_WALKERS);
      return reply.code(201).send(await desk().startRound(request.body, actor));
    },
  );
  app.get(
    '/rounds/:id',
    {
      config: { roles: ANY_ROLE, sites: at.round },
      schema: {
        ...rounds,
        summary: 'One round with its points in walking order and its deadlines',
        params: roundParams,
        response: { 200: roundDetail, ...errors },
      },
    },
    async (request) => desk().getRound(request.params.id),
  );
  app.post(
    '/rounds/:id/confirm',
    {
      config: { roles: ROUND_WALKERS, sites: at.round },
      schema: {
        ...rounds,
        summary: 'Confirm a point: a checkpoint by its code, a faulty device by its point id',
        description: 'Due points before it become missed; confirming the last point finishes the round.',
        params: roundParams,
        body: confirmBody,
        response: { 200: roundDetail, ...errors },
      },
    },
    async (request) =>
      desk().confirmPoint(request.params.id, request.body, actorFor(principalOf(request), ROUND_WALKERS)),
  );
  app.post(
    '/rounds/:id/findings',
    {
      config: { roles: ROUND_WALKERS, sites: at.round },
      schema: {
        ...rounds,
        summary: 'Report a finding at a confirmed point: it becomes a service record there',
        params: roundParams,
        body: findingBody,
        response: { 201: findingCreated, ...errors },
      },
    },
    async (request, reply) => {
      const actor = actorFor(principalOf(request), ROUND_WALKERS);
      const out = await desk().reportFinding(request.params.id, request.body, actor);
      return reply.code(201).send({ record: out.record, merged: out.merged, round: out.round });
    },
  );
  app.post(
    '/rounds/:id/finish',
    {
      config: { roles: ROUND_WALKERS, sites: at.round },
      schema: {
        ...rounds,
        summary: 'Finish a round: the points still due are missed; after the deadline it is late',
        params: roundParams,
        response: { 200: roundDetail, ...errors },
      },
    },
    async (request) => desk().finishRound(request.params.id, actorFor(principalOf(request), ROUND_WALKERS)),
  );
};
