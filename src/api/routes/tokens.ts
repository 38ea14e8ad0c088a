import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { principalOf } from '../plugins/auth.ts';
import { ANY_ROLE, TOKEN_ADMINS } from '../roles.ts';
import { authErrors, commonErrors, notFound } from '../schemas/common.ts';
import { issuedToken, me, token, tokenBody, tokenParams, tokenQuery } from '../schemas/tokens.ts';

export const tokenRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, { tokens, log }) => {
  app.get(
    '/me',
    {
      config: { roles: ANY_ROLE, sites: 'none' },
      schema: { tags: ['tokens'], summary: 'Who the token belongs to', response: { 200: me, ...authErrors } },
    },
    async (request) => principalOf(request),
  );

  app.post(
    '/tokens',
    {
      config: { roles: TOKEN_ADMINS, sites: 'none' },
      schema: {
        tags: ['tokens'],
        summary: 'Issue a token for a user with roles (the token is shown once)',
        body: tokenBody,
        response: { 201: issuedToken, ...commonErrors },
      },
    },
    async (request, reply) => {
      const by = principalOf(request).userId;
      const issued = await tokens.create(request.body, by);
      log.info({ tokenId: issued.id, userId: issued.userId, roles: issued.roles, by }, 'API token issued');
      return reply.code(201).send(issued);
    },
  );

  app.get(
    '/tokens',
    {
      config: { roles: TOKEN_ADMINS, sites: 'none' },
      schema: {
        tags: ['tokens'],
        summary: 'List tokens (never their secrets)',
        querystring: tokenQuery,
        response: { 200: z.object({ items: z.array(token) }), ...commonErrors },
      },
    },
    async (request) => ({ items: await tokens.list(request.query.includeRevoked ?? false) }),
  );

  app.post(
    '/tokens/:id/revoke',
    {
      config: { roles: TOKEN_ADMINS, sites: 'none' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token for good',
        params: tokenParams,
        response: { 200: token, ...commonErrors, ...notFound },
      },
    },
    async (request) => {
      const by = principalOf(request).userId;
      const revoked = await tokens.revoke(request.params.id, by);
      log.info({ tokenId: revoked.id, by }, 'API token revoked');
      return revoked;
    },
  );
};
