import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { scopeFilter } from '../plugins/sites.ts';
import { INGEST_READERS } from '../roles.ts';
import { authErrors, errorBody } from '../schemas/common.ts';

const rejected = z.object({
  at: z.iso.datetime(),
  topic: z.string(),
  reason: z.string(),
  detail: z.string(),
  bytes: z.number().int(),
  payloadBase64: z.string(),
  payloadText: z.string(),
});

/** What ingest refused: engineers look here when a device's readings do not show up. */
export const ingestRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    '/ingest/rejects',
    {
      config: { roles: INGEST_READERS, sites: 'list' },
      schema: {
        tags: ['health'],
        summary: 'The last messages ingest refused (newest first), with the reason and the first bytes',
        querystring: z.object({
          reason: z.string().max(64).optional().describe('only this reason, e.g. invalid-fields'),
          device: z.string().max(64).optional().describe('only topics of this device id'),
        }),
        response: { 200: z.object({ items: z.array(rejected) }), 503: errorBody, ...authErrors },
      },
    },
    async (request) => {
      if (!ctx.ingestRejects)
        throw new ApiError(503, 'ingest-unavailable', 'ingest does not run in this process');
      const { reason, device } = request.query;
      // A bounded list in memory, not paged: filtered here by the topic's site (fm/{site}/...).
      const sites = scopeFilter(request);
      const items = ctx
        .ingestRejects()
        .filter((r) => (!reason || r.reason === reason) && (!device || r.topic.split('/')[3] === device))
        .filter((r) => !sites || sites.includes(r.topic.split('/')[1] ?? ''))
        .map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
      return { items };
    },
  );
};
