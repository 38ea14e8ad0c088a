/** Service records: a call comes in, the front desk finds what it may join, lists and reads records. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ContactPolicy } from '../contacts.ts';
import type { ApiContext } from '../context.ts';
import { actorFor, requireDesk } from '../desk.ts';
import { principalOf } from '../plugins/auth.ts';
import { scopeFilter } from '../plugins/sites.ts';
import { ANY_ROLE, RECORD_CREATORS } from '../roles.ts';
import { commonErrors, errorBody, notFound } from '../schemas/common.ts';
import {
  candidate,
  created,
  mergeQuery,
  recordBody,
  recordDetail,
  recordPage,
  recordParams,
  recordQuery,
} from '../schemas/records.ts';
import { siteLookups } from '../site-lookups.ts';

const tags = ['records'];
const unavailable = { 503: errorBody };

export const recordRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const at = siteLookups(ctx.records.db);
  app.post(
    '/records',
    {
      config: { roles: RECORD_CREATORS, sites: at.newRecord },
      schema: {
        tags,
        summary: 'Record a call, walk-in, staff report or order (step "received")',
        description:
          'merge "auto" (default) joins the open record of the same device; a record id joins that record; "new" never merges. The answer lists other open records about the same place.',
        body: recordBody,
        response: {
          201: created,
          200: created,
          ...commonErrors,
          ...notFound,
          409: errorBody,
          ...unavailable,
        },
      },
    },
    async (request, reply) => {
      const desk = requireDesk(ctx.desk);
      const principal = principalOf(request);
      const result = await desk.createRecord(request.body, actorFor(principal, RECORD_CREATORS));
      const contacts = new ContactPolicy(desk);
      const candidates = await contacts.present(
        principal,
        result.candidates.map((c) => c.record),
        'list',
      );
      return reply.code(result.merged ? 200 : 201).send({
        ...result,
        record: await contacts.one(principal, result.record),
        candidates: result.candidates.map((c, i) => ({ ...c, record: candidates[i]! })),
      });
    },
  );

  app.get(
    '/records',
    {
      config: { roles: ANY_ROLE, sites: 'list' },
      schema: {
        tags,
        summary: 'List records, newest first, keyset-paged',
        description:
          'Contacts in full for front_desk, supervisor and manager; 138****1234 for everyone else. Full numbers shown are audited (GET /contact-reads).',
        querystring: recordQuery,
        response: { 200: recordPage, ...commonErrors, ...unavailable },
      },
    },
    async (request) => {
      const { from, to, ...rest } = request.query;
      const desk = requireDesk(ctx.desk);
      const page = await desk.listRecords({
        ...rest,
        sites: scopeFilter(request),
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
      });
      const items = await new ContactPolicy(desk).present(principalOf(request), page.records, 'list');
      return { items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/records/merge-candidates',
    {
      config: { roles: RECORD_CREATORS, sites: 'named' },
      schema: {
        tags,
        summary: 'Open records about the same device or place, best match first',
        querystring: mergeQuery,
        response: { 200: z.object({ items: z.array(candidate) }), ...commonErrors, ...unavailable },
      },
    },
    async (request) => {
      const desk = requireDesk(ctx.desk);
      const found = await desk.findMergeCandidates(request.query);
      const records = await new ContactPolicy(desk).present(
        principalOf(request),
        found.map((c) => c.record),
        'list',
      );
      return { items: found.map((c, i) => ({ ...c, record: records[i]! })) };
    },
  );

  app.get(
    '/records/:id',
    {
      config: { roles: ANY_ROLE, sites: at.record },
      schema: {
        tags,
        summary: 'One record with its history, linked reports and deadlines',
        description:
          'Contacts in full for front_desk, supervisor and manager, and for an engineer or guard working the record (assigned, or holding its patrol alert); masked otherwise. Audited.',
        params: recordParams,
        response: { 200: recordDetail, ...commonErrors, ...notFound, ...unavailable },
      },
    },
    async (request) => {
      const desk = requireDesk(ctx.desk);
      return new ContactPolicy(desk).one(principalOf(request), await desk.getRecord(request.params.id));
    },
  );
};
