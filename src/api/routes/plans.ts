/**
 * Maintenance plans and their jobs' checklists (docs/service-records.md, "Maintenance plans"). A
 * plan's jobs are records: they are worked with /records/:id/actions like any other; the checklist
 * and faults found on the job are answered here.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { actorFor, requireDesk } from '../desk.ts';
import { principalOf } from '../plugins/auth.ts';
import { scopeFilter } from '../plugins/sites.ts';
import { ANY_ROLE, MAINTENANCE_WRITERS, type Role } from '../roles.ts';
import { commonErrors, conflict, errorBody, notFound } from '../schemas/common.ts';
import {
  calendarEntry,
  calendarQuery,
  checkBody,
  checklistItem,
  itemParams,
  jobFaultBody,
  plan,
  planBody,
  planParams,
  planPatch,
  planQuery,
} from '../schemas/plans.ts';
import { record, recordParams } from '../schemas/records.ts';
import { siteLookups } from '../site-lookups.ts';

const tags = ['plans'];
/** Who answers a job's checklist: its engineer on site (the desk checks it is theirs), or above. */
const JOB_WORKERS: readonly Role[] = ['engineer', 'guard', 'supervisor', 'manager', 'admin'];
const unavailable = { 503: errorBody } as const;

export const planRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const at = siteLookups(ctx.records.db);
  app.get(
    '/plans',
    {
      config: { roles: ANY_ROLE, sites: 'list' },
      schema: {
        tags,
        summary: 'List maintenance plans',
        querystring: planQuery,
        response: { 200: z.object({ items: z.array(plan) }), ...commonErrors, ...unavailable },
      },
    },
    async (request) => ({
      items: await requireDesk(ctx.desk).listPlans({ ...request.query, sites: scopeFilter(request) }),
    }),
  );

  app.post(
    '/plans',
    {
      config: { roles: MAINTENANCE_WRITERS, sites: 'named' },
      schema: {
        tags,
        summary: 'Add a maintenance plan for a device, every device of a kind, or a site',
        description:
          'Calendar plans generate a job (a maintenance record with the checklist, dispatched by the duty table) leadDays before each due date; meter plans when the device’s counter has grown by meter.every.',
        body: planBody,
        response: { 201: plan, ...commonErrors, ...notFound, ...unavailable },
      },
    },
    async (request, reply) => {
      const p = await requireDesk(ctx.desk).addPlan({
        ...request.body,
        createdBy: principalOf(request).userId,
      });
      return reply.code(201).send(p);
    },
  );

  app.get(
    '/plans/:id',
    {
      config: { roles: ANY_ROLE, sites: at.plan },
      schema: {
        tags,
        summary: 'One maintenance plan',
        params: planParams,
        response: { 200: plan, ...commonErrors, ...notFound, ...unavailable },
      },
    },
    async (request) => requireDesk(ctx.desk).getPlan(request.params.id),
  );

  app.patch(
    '/plans/:id',
    {
      config: { roles: MAINTENANCE_WRITERS, sites: at.plan },
      schema: {
        tags,
        summary: 'End a plan (state: ended)',
        params: planParams,
        body: planPatch,
        response: { 200: plan, ...commonErrors, ...notFound, ...conflict, ...unavailable },
      },
    },
    async (request) => requireDesk(ctx.desk).endPlan(request.params.id, principalOf(request).userId),
  );

  app.get(
    '/plan-calendar',
    {
      config: { roles: ANY_ROLE, sites: 'named' },
      schema: {
        tags,
        summary: 'A site’s maintenance jobs due in a local month: generated (with state) and to come',
        querystring: calendarQuery,
        response: {
          200: z.object({ items: z.array(calendarEntry) }),
          ...commonErrors,
          ...notFound,
          ...unavailable,
        },
      },
    },
    async (request) => ({
      items: await requireDesk(ctx.desk).planCalendar(request.query.site, request.query.month),
    }),
  );

  app.get(
    '/records/:id/checklist',
    {
      config: { roles: ANY_ROLE, sites: at.record },
      schema: {
        tags,
        summary: 'A maintenance job’s checklist',
        params: recordParams,
        response: {
          200: z.object({ items: z.array(checklistItem) }),
          ...commonErrors,
          ...notFound,
          ...unavailable,
        },
      },
    },
    async (request) => ({ items: await requireDesk(ctx.desk).getChecklist(request.params.id) }),
  );

  app.put(
    '/records/:id/checklist/:position',
    {
      config: { roles: JOB_WORKERS, sites: at.record },
      schema: {
        tags,
        summary:
          'Answer a checklist item on site: done, not done, or fault (a repair record linked to the job)',
        description: 'attachmentId: one of the job’s photos (POST /records/{id}/attachments).',
        params: itemParams,
        body: checkBody,
        response: {
          200: z.object({ item: checklistItem, faultRecordId: z.number().int().nullable() }),
          ...commonErrors,
          ...notFound,
          ...conflict,
          ...unavailable,
        },
      },
    },
    async (request) => {
      const actor = actorFor(principalOf(request), JOB_WORKERS);
      const { item } = await requireDesk(ctx.desk).checkItem(
        request.params.id,
        request.params.position,
        request.body,
        actor,
      );
      return { item, faultRecordId: item.faultRecordId };
    },
  );

  app.post(
    '/records/:id/faults',
    {
      config: { roles: JOB_WORKERS, sites: at.record },
      schema: {
        tags,
        summary: 'A fault found during a maintenance job: its own repair record, linked to the job',
        params: recordParams,
        body: jobFaultBody,
        response: { 201: record, ...commonErrors, ...notFound, ...conflict, ...unavailable },
      },
    },
    async (request, reply) => {
      const actor = actorFor(principalOf(request), JOB_WORKERS);
      const r = await requireDesk(ctx.desk).reportJobFault(request.params.id, request.body, actor);
      return reply.code(201).send(r);
    },
  );
};
