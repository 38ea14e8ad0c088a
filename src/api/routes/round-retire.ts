/**
 * Retiring what planners set up for rounds: a route, one of its points, one of its schedules. Nothing
 * walked is deleted: rounds opened before keep their points, and the history stays.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { requireDesk } from '../desk.ts';
import { ROUND_PLANNERS } from '../roles.ts';
import { commonErrors, conflict, errorBody } from '../schemas/common.ts';
import { checkpointParams, routeParams, scheduleParams } from '../schemas/rounds.ts';

const errors = { ...commonErrors, 404: errorBody, ...conflict, 503: errorBody };

export const roundRetireRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const desk = () => requireDesk(ctx.desk);
  const rounds = { tags: ['rounds'] };

  app.delete(
    '/sites/:site/round-routes/:route',
    {
      config: { roles: ROUND_PLANNERS, sites: 'named' },
      schema: {
        ...rounds,
        summary: 'Retire a route: no more rounds on it; its rounds stay in the history',
        params: routeParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await desk().retireRoute(request.params.site, request.params.route);
      return reply.code(204).send(null);
    },
  );
  app.delete(
    '/sites/:site/round-routes/:route/checkpoints/:checkpoint',
    {
      config: { roles: ROUND_PLANNERS, sites: 'named' },
      schema: {
        ...rounds,
        summary: 'Take a point off a route: rounds opened from now on skip it, and its code stops answering',
        params: checkpointParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { site, route, checkpoint } = request.params;
      await desk().retireCheckpoint(site, route, checkpoint);
      return reply.code(204).send(null);
    },
  );
  app.delete(
    '/sites/:site/round-routes/:route/schedules/:schedule',
    {
      config: { roles: ROUND_PLANNERS, sites: 'named' },
      schema: {
        ...rounds,
        summary: 'End a schedule of a route',
        params: scheduleParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const { site, route, schedule } = request.params;
      await desk().retireRoundSchedule(site, route, schedule);
      return reply.code(204).send(null);
    },
  );
};
