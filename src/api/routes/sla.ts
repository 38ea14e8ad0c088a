/** A site's deadline overrides: the procedure's time limits, changed per site and record type. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiContext } from '../context.ts';
import { requireDesk } from '../desk.ts';
import { principalOf } from '../plugins/auth.ts';
import { ANY_ROLE, SLA_WRITERS } from '../roles.ts';
import { commonErrors, errorBody, notFound, siteParams } from '../schemas/common.ts';
import { siteLimits, slaBody } from '../schemas/duty.ts';

const tags = ['sla'];
const unavailable = { 503: errorBody };

export const slaRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    '/sites/:site/sla',
    {
      config: { roles: ANY_ROLE, sites: 'named' },
      schema: {
        tags,
        summary: "A site's deadline overrides and the limits its records get, per type",
        params: siteParams,
        response: { 200: siteLimits, ...commonErrors, ...notFound, ...unavailable },
      },
    },
    async (request) => requireDesk(ctx.desk).siteLimits(request.params.site),
  );

  app.put(
    '/sites/:site/sla',
    {
      config: { roles: SLA_WRITERS, sites: 'named' },
      schema: {
        tags,
        summary: "Replace a site's deadline overrides (a step left out falls back to the service-wide limit)",
        description:
          'Applies to deadlines set from now on; deadlines already running keep their due time. The most specific override wins: site+type, then site.',
        params: siteParams,
        body: slaBody,
        response: { 200: siteLimits, ...commonErrors, ...notFound, ...unavailable },
      },
    },
    async (request) => {
      const result = await requireDesk(ctx.desk).replaceSiteLimits(request.params.site, request.body);
      ctx.log.info(
        {
          site: request.params.site,
          overrides: request.body.overrides.length,
          by: principalOf(request).userId,
        },
        'deadline overrides replaced',
      );
      return result;
    },
  );
};
