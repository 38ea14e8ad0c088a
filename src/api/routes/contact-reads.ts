/** GET /contact-reads: the audit trail of residents' phone numbers shown in full (PIPL). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CONTACT_VIEWS } from '../../records/service/index.ts';
import type { ApiContext } from '../context.ts';
import { requireDesk } from '../desk.ts';
import { scopeFilter } from '../plugins/sites.ts';
import { CONTACT_AUDITORS } from '../roles.ts';
import { commonErrors, errorBody } from '../schemas/common.ts';

const iso = z.iso.datetime({ offset: true });

const query = z.object({
  record: z.coerce.number().int().positive().max(2_147_483_647).optional(),
  actor: z.string().min(1).max(64).optional().describe('a user id'),
  from: iso.optional().describe('read at or after'),
  to: iso.optional().describe('read before'),
  cursor: z.coerce.number().int().positive().optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const contactRead = z
  .object({
    id: z.number().int(),
    at: z.date(),
    actorId: z.string(),
    actorRole: z.string().describe('the role that let them see it'),
    recordId: z.number().int(),
    via: z
      .enum(CONTACT_VIEWS)
      .describe('record: the record itself; list: a list or merge candidates; stream'),
  })
  .meta({ id: 'ContactRead' });

export const contactReadRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    '/contact-reads',
    {
      config: { roles: CONTACT_AUDITORS, sites: 'list' },
      schema: {
        tags: ['records'],
        summary: "Who was shown residents' phone numbers in full, when and where, newest first",
        querystring: query,
        response: {
          200: z.object({ items: z.array(contactRead), nextCursor: z.number().int().nullable() }),
          ...commonErrors,
          503: errorBody,
        },
      },
    },
    async (request) => {
      const { from, to, ...rest } = request.query;
      const page = await requireDesk(ctx.desk).listContactReads({
        ...rest,
        sites: scopeFilter(request),
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
      });
      return { items: page.reads, nextCursor: page.nextCursor };
    },
  );
};
