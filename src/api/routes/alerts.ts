/** Patrol alerts for guards: raised -> acknowledged -> on scene -> resolved | false alarm. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ALERT_TRANSITIONS } from '../../records/service/index.ts';
import type { ApiContext } from '../context.ts';
import { actorFor, requireDesk } from '../desk.ts';
import { principalOf } from '../plugins/auth.ts';
import { scopeFilter } from '../plugins/sites.ts';
import { ALERT_ACTORS, ALERT_RAISERS, ANY_ROLE } from '../roles.ts';
import {
  alert,
  alertActionBody,
  alertBody,
  alertDetail,
  alertPage,
  alertParams,
  alertQuery,
} from '../schemas/alerts.ts';
import { commonErrors, conflict, errorBody, notFound } from '../schemas/common.ts';
import { siteLookups } from '../site-lookups.ts';

const tags = ['alerts'];
const unavailable = { 503: errorBody };

export const alertRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const at = siteLookups(ctx.records.db);
  app.get(
    '/alerts',
    {
      config: { roles: ANY_ROLE, sites: 'list' },
      schema: {
        tags,
        summary: 'List patrol alerts, newest first',
        querystring: alertQuery,
        response: { 200: alertPage, ...commonErrors, ...unavailable },
      },
    },
    async (request) => {
      const page = await requireDesk(ctx.desk).listAlerts({
        ...request.query,
        sites: scopeFilter(request),
      });
      return { items: page.alerts, nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/alerts',
    {
      config: { roles: ALERT_RAISERS, sites: at.newAlert },
      schema: {
        tags,
        summary: 'Raise a patrol alert by hand (devices raise theirs through rules)',
        body: alertBody,
        response: { 201: alert, ...commonErrors, ...notFound, ...unavailable },
      },
    },
    async (request, reply) => {
      const actor = actorFor(principalOf(request), ALERT_RAISERS);
      return reply.code(201).send(await requireDesk(ctx.desk).raisePatrolAlert(request.body, actor));
    },
  );

  app.get(
    '/alerts/:id',
    {
      config: { roles: ANY_ROLE, sites: at.alert },
      schema: {
        tags,
        summary: 'One patrol alert with its history',
        params: alertParams,
        response: { 200: alertDetail, ...commonErrors, ...notFound, ...unavailable },
      },
    },
    async (request) => requireDesk(ctx.desk).getAlert(request.params.id),
  );

  for (const action of Object.keys(ALERT_TRANSITIONS)) {
    const rule = ALERT_TRANSITIONS[action]!;
    app.post(
      `/alerts/:id/actions/${action}`,
      {
        config: { roles: ALERT_ACTORS, sites: at.alert },
        schema: {
          tags,
          summary: `Patrol alert: ${action.replace('_', ' ')} (from ${rule.from.join(', ')} to ${rule.to})`,
          params: alertParams,
          body: alertActionBody,
          response: { 200: alert, ...commonErrors, ...notFound, ...conflict, ...unavailable },
        },
      },
      async (request) => {
        const actor = actorFor(principalOf(request), ALERT_ACTORS);
        return requireDesk(ctx.desk).transitionAlert(request.params.id, action, actor, request.body ?? {});
      },
    );
  }
};
