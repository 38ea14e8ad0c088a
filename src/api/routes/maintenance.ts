/**
 * Planned maintenance windows: while one covers a device, rules evaluates its faults but raises
 * none (docs/rules.md). Ended early or cancelled, never deleted.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiContext } from '../context.ts';
import { principalOf } from '../plugins/auth.ts';
import { scopeFilter } from '../plugins/sites.ts';
import { ANY_ROLE, MAINTENANCE_WRITERS } from '../roles.ts';
import { commonErrors, conflict, notFound } from '../schemas/common.ts';
import {
  maintenanceBody,
  maintenancePage,
  maintenanceParams,
  maintenancePatch,
  maintenanceQuery,
  maintenanceWindow,
} from '../schemas/maintenance.ts';
import { siteLookups } from '../site-lookups.ts';

const tags = ['maintenance'];

export const maintenanceRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, { records }) => {
  const at = siteLookups(records.db);
  app.get(
    '/maintenance-windows',
    {
      config: { roles: ANY_ROLE, sites: 'list' },
      schema: {
        tags,
        summary: 'List maintenance windows, newest first',
        querystring: maintenanceQuery,
        response: { 200: maintenancePage, ...commonErrors },
      },
    },
    async (request) => {
      const page = await records.listMaintenanceWindows({
        ...request.query,
        sites: scopeFilter(request),
      });
      return { items: page.windows, nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/maintenance-windows',
    {
      config: { roles: MAINTENANCE_WRITERS, sites: 'named' },
      schema: {
        tags,
        summary: 'Plan maintenance on a device, building, area or whole site',
        description:
          'Faults of covered devices are evaluated and logged but not raised; one still on when the window ends is raised then. An area covers the devices of its building.',
        body: maintenanceBody,
        response: { 201: maintenanceWindow, ...commonErrors, ...notFound },
      },
    },
    async (request, reply) => {
      const w = await records.addMaintenanceWindow({
        ...request.body,
        createdBy: principalOf(request).userId,
      });
      return reply.code(201).send(w);
    },
  );

  app.get(
    '/maintenance-windows/:id',
    {
      config: { roles: ANY_ROLE, sites: at.window },
      schema: {
        tags,
        summary: 'One maintenance window',
        params: maintenanceParams,
        response: { 200: maintenanceWindow, ...commonErrors, ...notFound },
      },
    },
    async (request) => records.getMaintenanceWindow(request.params.id),
  );

  app.patch(
    '/maintenance-windows/:id',
    {
      config: { roles: MAINTENANCE_WRITERS, sites: at.window },
      schema: {
        tags,
        summary: 'End a window early (state: ended) or cancel one not yet begun (state: cancelled)',
        params: maintenanceParams,
        body: maintenancePatch,
        response: { 200: maintenanceWindow, ...commonErrors, ...notFound, ...conflict },
      },
    },
    async (request) => {
      const by = principalOf(request).userId;
      const { id } = request.params;
      return request.body.state === 'ended'
        ? records.endMaintenanceWindow(id, by)
        : records.cancelMaintenanceWindow(id, by);
    },
  );
};
