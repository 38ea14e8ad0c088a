/**
 * The SLA clock's pending deadlines of a site: each open record's and alert's next step and when it
 * is due, for the front desk's countdowns. A read of the clock's own table; the desk decides them.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { ANY_ROLE } from '../roles.ts';
import { commonErrors, id } from '../schemas/common.ts';

const pending = z
  .object({
    subject: z.enum(['record', 'alert']),
    subjectId: z.number().int(),
    step: z.string(),
    round: z.number().int(),
    dueAt: z.date(),
    breachedAt: z.date().nullable().describe('set once the breach watcher recorded it'),
  })
  .meta({ id: 'PendingDeadline' });

export const deadlineRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    '/deadlines',
    {
      config: { roles: ANY_ROLE },
      schema: {
        tags: ['records'],
        summary: 'Deadlines not yet met of a site’s records and alerts, soonest first',
        description: 'Overdue ones are included (breachedAt tells whether the watcher recorded the breach).',
        querystring: z.object({ site: id, limit: z.coerce.number().int().min(1).max(5000).default(2000) }),
        response: { 200: z.object({ items: z.array(pending) }), ...commonErrors },
      },
    },
    async (request) => {
      const { site, limit } = request.query;
      const items = await ctx.records.db.query<z.infer<typeof pending>>(
        `SELECT d.subject, d.subject_id AS "subjectId", d.step, d.round, d.due_at AS "dueAt",
           b.breached_at AS "breachedAt"
         FROM sla_deadlines d LEFT JOIN sla_breaches b ON b.deadline_id = d.id
         WHERE d.site_id = $1 AND d.met_at IS NULL AND d.void_at IS NULL
         ORDER BY d.due_at, d.id LIMIT $2`,
        [site, limit],
      );
      return { items };
    },
  );
};
