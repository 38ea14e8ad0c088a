import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { METRICS_READERS } from '../roles.ts';
import { authErrors } from '../schemas/common.ts';
import { renderMetrics } from './metrics-text.ts';

const health = z.object({
  status: z.enum(['ok', 'unavailable']),
  store: z.enum(['pglite', 'postgres']),
  history: z.enum(['configured', 'not-configured']),
  uptimeS: z.number(),
});

export const healthRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const started = Date.now();
  app.get(
    '/health',
    {
      config: { roles: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Liveness and store reachability (no token)',
        security: [],
        response: { 200: health, 503: health },
      },
    },
    async (_request, reply) => {
      const ok = await ctx.records.db.query('SELECT 1').then(
        () => true,
        (err: unknown) => {
          reply.log.warn({ err }, 'health check: store unreachable');
          return false;
        },
      );
      return reply.code(ok ? 200 : 503).send({
        status: ok ? 'ok' : 'unavailable',
        store: ctx.records.db.engine,
        history: ctx.influx ? 'configured' : 'not-configured',
        uptimeS: Math.round((Date.now() - started) / 1000),
      });
    },
  );

  app.get(
    '/metrics',
    {
      config: { roles: METRICS_READERS },
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics: HTTP, records, broker and ingest counters',
        response: {
          200: {
            description: 'Prometheus text format 0.0.4',
            content: { 'text/plain': { schema: z.string() } },
          },
          ...authErrors,
        },
      },
    },
    async (_request, reply) =>
      reply.type('text/plain; version=0.0.4; charset=utf-8').send(await renderMetrics(ctx)),
  );
};
