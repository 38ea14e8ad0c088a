/**
 * The console's sign-ins as JSON routes in the API (admins only, like API tokens): who may sign in,
 * setting a password, one-time invitation links, ending a person's sessions. The console's own
 * people page calls these with its session; scripts and curl call them with a token.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '../plugins/auth.ts';
import { ROLES, TOKEN_ADMINS } from '../roles.ts';
import { commonErrors, conflict, errorBody, notFound } from '../schemas/common.ts';
import type { ConsoleState } from './state.ts';

const tags = ['logins'];
const staffParams = z.object({ staffId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a staff id') });
const roles = z.array(z.enum(ROLES)).min(1).max(ROLES.length);

const login = z
  .object({
    staffId: z.string(),
    name: z.string(),
    staffRoles: z.array(z.enum(ROLES)),
    roles: z.array(z.enum(ROLES)).nullable().describe('granted to the sign-in; null: no login yet'),
    sites: z.array(z.string()),
    active: z.boolean(),
    username: z.string().nullable(),
    hasPassword: z.boolean(),
    failedCount: z.number().int(),
    lastFailedAt: z.date().nullable(),
    lastSignInAt: z.date().nullable(),
    invitationExpiresAt: z.date().nullable(),
  })
  .meta({ id: 'ConsoleLogin' });

// Admins only, like API tokens: an admin issues tokens that see every site, so a site limit on an
// admin's own sign-in would hold nothing back here (sites: 'none').
export const consoleApiRoutes: FastifyPluginAsyncZod<{ console: ConsoleState }> = async (
  app,
  { console: c },
) => {
  app.get(
    '/logins',
    {
      config: { roles: TOKEN_ADMINS, sites: 'none' },
      schema: {
        tags,
        summary: 'Staff and their console sign-ins (never passwords)',
        response: { 200: z.object({ items: z.array(login) }), ...commonErrors },
      },
    },
    async () => ({ items: await c.logins.list() }),
  );

  app.put(
    '/logins/:staffId',
    {
      config: { roles: TOKEN_ADMINS, sites: 'none' },
      schema: {
        tags,
        summary: "Set a person's console password (ends their sessions)",
        description:
          'username defaults to the current one or the staff id; roles to the current grant or the staff row’s roles.',
        params: staffParams,
        body: z.object({
          password: z.string().min(1).max(200),
          username: z.string().min(2).max(64).optional(),
          roles: roles.optional(),
        }),
        response: {
          200: z.object({ staffId: z.string(), sessionsEnded: z.number().int() }),
          ...commonErrors,
          ...notFound,
          ...conflict,
        },
      },
    },
    async (request) => {
      const by = principalOf(request).userId;
      const { staffId } = request.params;
      await c.logins.setPassword(staffId, { ...request.body, by });
      const sessionsEnded = await c.sessions.revokeAll(staffId);
      request.log.info({ staffId, by }, 'console password set');
      return { staffId, sessionsEnded };
    },
  );

  app.post(
    '/logins/:staffId/invitations',
    {
      config: { roles: TOKEN_ADMINS, sites: 'none' },
      schema: {
        tags,
        summary: 'A one-time invitation link: the person chooses a password (valid 7 days)',
        params: staffParams,
        body: z.object({ roles: roles.optional() }).nullish(),
        response: {
          201: z.object({
            path: z.string().describe('/invite/<secret>: append to the console address'),
            expiresAt: z.date(),
          }),
          ...commonErrors,
          ...notFound,
        },
      },
    },
    async (request, reply) => {
      const by = principalOf(request).userId;
      const { token, expiresAt } = await c.logins.invite(request.params.staffId, {
        by,
        roles: request.body?.roles,
      });
      request.log.info({ staffId: request.params.staffId, by }, 'console invitation issued');
      return reply.code(201).send({ path: `/invite/${token}`, expiresAt });
    },
  );

  app.post(
    '/logins/:staffId/revoke-sessions',
    {
      config: { roles: TOKEN_ADMINS, sites: 'none' },
      schema: {
        tags,
        summary: "End a person's console sessions now (a lost phone)",
        params: staffParams,
        response: { 200: z.object({ sessionsEnded: z.number().int() }), ...commonErrors, 404: errorBody },
      },
    },
    async (request) => ({ sessionsEnded: await c.sessions.revokeAll(request.params.staffId) }),
  );
};
