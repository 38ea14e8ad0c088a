import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { BROKER_CALLERS } from '../roles.ts';
import { authErrors, errorBody } from '../schemas/common.ts';

// EMQX renders every placeholder as a string; bounded so a hostile body costs nothing.
const text = (max: number) => z.string().max(max);

const authnBody = z.looseObject({
  clientid: text(256),
  username: text(256).optional(),
  password: text(1024).optional(),
  peerhost: text(64).optional(),
});

const authzBody = z.looseObject({
  clientid: text(256),
  username: text(256).optional(),
  topic: text(65_535),
  action: text(16).describe('`publish` or `subscribe`'),
  qos: text(8).optional(),
  retain: text(8).optional(),
  // EMQX's placeholder `${client_attrs.fm_rotated_at}` (5.7+); see api/emqx.ts.
  rotated_at: text(32).optional().describe('the client attribute fm_rotated_at (EMQX 5.7+)'),
});

const result = z.enum(['allow', 'deny', 'ignore']);

/**
 * EMQX's caches are configured on EMQX's side (`authorization.cache`, the node cache of 5.9+) and
 * read no response header; `no-store` keeps any proxy between EMQX and the API from answering a
 * CONNECT with a decision made before a revocation.
 */
const NO_STORE = 'no-store';

/** EMQX 5's HTTP authentication and authorization sources (docs/deploy.md shows EMQX's side). */
export const emqxRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const auth = () => {
    if (!ctx.emqx)
      throw new ApiError(
        503,
        'emqx-unavailable',
        'this API process has no service secret to check services with',
      );
    return ctx.emqx;
  };
  // A reconnect storm is thousands of CONNECTs from one EMQX node: not a client to rate-limit.
  // A broker asks about any client of any site: the caller is a service account, never a person.
  const config = { roles: BROKER_CALLERS, sites: 'none', rateLimit: false } as const;

  app.post(
    '/emqx/authn',
    {
      config,
      schema: {
        tags: ['broker'],
        summary: 'EMQX 5 HTTP authentication: is this CONNECT a registered device or a service?',
        description:
          'Always 200 with `result`: `allow` (with `is_superuser: false` and `client_attrs.fm_rotated_at`) or `deny`. 503 when the registry does not answer, which EMQX reads as `ignore`: with this the only authenticator, the CONNECT is refused and the device retries.',
        body: authnBody,
        response: {
          200: z.object({
            result,
            is_superuser: z.boolean().optional(),
            client_attrs: z.record(z.string(), z.string()).optional(),
          }),
          503: errorBody,
          ...authErrors,
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', NO_STORE);
      const { reason, ...answer } = await auth()
        .authenticate(request.body)
        .catch((err: Error) => {
          request.log.warn({ err: err.message }, 'emqx authn: registry unavailable');
          throw new ApiError(503, 'registry-unavailable', 'the device registry does not answer; retry');
        });
      if (reason)
        request.log.info({ clientId: request.body.clientid.slice(0, 128), reason }, 'emqx authn: deny');
      return answer;
    },
  );

  app.post(
    '/emqx/authz',
    {
      config,
      schema: {
        tags: ['broker'],
        summary: 'EMQX 5 HTTP authorization: may this session publish or subscribe to this topic?',
        description:
          'Always 200 with `result` `allow` or `deny`, by the same topic policy as the built-in broker; a revoked device, or a session whose secret was rotated away, is denied everything.',
        body: authzBody,
        response: { 200: z.object({ result }), 503: errorBody, ...authErrors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', NO_STORE);
      const { result: answer, reason } = await auth()
        .authorize(request.body)
        .catch((err: Error) => {
          request.log.warn({ err: err.message }, 'emqx authz: registry unavailable');
          throw new ApiError(503, 'registry-unavailable', 'the device registry does not answer; retry');
        });
      if (reason)
        request.log.info(
          { clientId: request.body.clientid.slice(0, 128), topic: request.body.topic.slice(0, 200), reason },
          'emqx authz: deny',
        );
      return { result: answer };
    },
  );
};
