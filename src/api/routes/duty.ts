/**
 * Staff and the duty table that dispatch reads (records/service/dispatch.ts). Nothing is deleted:
 * people are deactivated and shifts ended, so every past dispatch stays explainable.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { requireDesk } from '../desk.ts';
import { forbidden } from '../errors.ts';
import { principalOf } from '../plugins/auth.ts';
import { scopeFilter } from '../plugins/sites.ts';
import { ANY_ROLE, DUTY_WRITERS, type Role, rolesNotGivable } from '../roles.ts';
import { commonErrors, conflict, errorBody, notFound } from '../schemas/common.ts';
import {
  dutyNow,
  dutyNowQuery,
  shift,
  shiftBody,
  shiftEndBody,
  shiftParams,
  shiftQuery,
  staff,
  staffBody,
  staffParams,
  staffPatchBody,
  staffQuery,
} from '../schemas/duty.ts';
import { siteLookups } from '../site-lookups.ts';

const tags = ['duty'];
const unavailable = { 503: errorBody };

/** 403 unless the caller may give every one of `roles` (roles.ts, rolesNotGivable). */
function mayGive(request: FastifyRequest, roles: readonly Role[] | undefined, what: string): void {
  const over = rolesNotGivable(principalOf(request).roles, roles ?? []);
  if (over.length > 0) throw forbidden(`your roles may not ${what} ${over.join(', ')}`);
}

export const dutyRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const at = siteLookups(ctx.records.db);
  app.get(
    '/staff',
    {
      config: { roles: ANY_ROLE, sites: 'list' },
      schema: {
        tags,
        summary: 'List staff',
        querystring: staffQuery,
        response: { 200: z.object({ items: z.array(staff) }), ...commonErrors, ...unavailable },
      },
    },
    async (request) => {
      const { site, active } = request.query;
      const all = await requireDesk(ctx.desk).listStaff(site, scopeFilter(request));
      return { items: active === undefined ? all : all.filter((s) => s.active === active) };
    },
  );

  app.post(
    '/staff',
    {
      config: { roles: DUTY_WRITERS, sites: at.newStaff },
      schema: {
        tags,
        summary: 'Add a person to the staff (roles, trades, the sites they work)',
        body: staffBody,
        response: { 201: staff, ...commonErrors, ...conflict, ...unavailable },
      },
    },
    async (request, reply) => {
      mayGive(request, request.body.roles, 'give');
      return reply.code(201).send(await requireDesk(ctx.desk).addStaff(request.body));
    },
  );

  app.patch(
    '/staff/:id',
    {
      config: { roles: DUTY_WRITERS, sites: at.staff },
      schema: {
        tags,
        summary: 'Change a person; active: false takes them off the duty table (nobody is deleted)',
        params: staffParams,
        body: staffPatchBody,
        response: { 200: staff, ...commonErrors, ...notFound, ...unavailable },
      },
    },
    async (request) => {
      const desk = requireDesk(ctx.desk);
      // Out of the caller's sites it is already a 404 (config.sites); here, out of their rank.
      const person = await desk.getStaff(request.params.id);
      if (person) mayGive(request, person.roles, 'change the row of a person who holds');
      if (request.body.roles) mayGive(request, request.body.roles, 'give');
      return desk.updateStaff(request.params.id, request.body);
    },
  );

  app.get(
    '/duty-shifts',
    {
      config: { roles: ANY_ROLE, sites: 'list' },
      schema: {
        tags,
        summary: 'List shifts of the duty table',
        querystring: shiftQuery,
        response: { 200: z.object({ items: z.array(shift) }), ...commonErrors, ...unavailable },
      },
    },
    async (request) => ({
      items: await requireDesk(ctx.desk).listShifts({ ...request.query, sites: scopeFilter(request) }),
    }),
  );

  app.post(
    '/duty-shifts',
    {
      config: { roles: DUTY_WRITERS, sites: 'named' },
      schema: {
        tags,
        summary: 'Add a recurring shift (site local time; an end at or before the start runs past midnight)',
        body: shiftBody,
        response: { 201: shift, ...commonErrors, ...notFound, ...unavailable },
      },
    },
    async (request, reply) => reply.code(201).send(await requireDesk(ctx.desk).addShift(request.body)),
  );

  app.patch(
    '/duty-shifts/:id',
    {
      config: { roles: DUTY_WRITERS, sites: at.shift },
      schema: {
        tags,
        summary: 'End a shift (now, or at until); it stays in the table',
        params: shiftParams,
        body: shiftEndBody,
        response: { 200: shift, ...commonErrors, ...notFound, ...conflict, ...unavailable },
      },
    },
    async (request) =>
      requireDesk(ctx.desk).endShift(request.params.id, {
        until: request.body?.until,
        by: principalOf(request).userId,
      }),
  );

  app.get(
    '/duty/now',
    {
      config: { roles: ANY_ROLE, sites: 'named' },
      schema: {
        tags,
        summary:
          'Who a dispatch without an assignee would pick now (or at): on duty, else the trade supervisor',
        description:
          'The same function dispatch calls; nobody at all is 409 no-assignee, as dispatch answers.',
        querystring: dutyNowQuery,
        response: { 200: dutyNow, ...commonErrors, ...notFound, ...conflict, ...unavailable },
      },
    },
    async (request) => {
      const { site, trade, area, at, building } = request.query;
      const pick = await requireDesk(ctx.desk).dutyNow({ site, trade, area, at, building });
      return { site, trade, area: area ?? null, ...pick };
    },
  );
};
