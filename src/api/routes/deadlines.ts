/**
 * Reads of the SLA clock's own tables for the screens: a site's pending deadlines (the front desk's
 * countdowns) and its breaches per step over a period (the managers' page). The desk decides them.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { ANY_ROLE, STATS_READERS } from '../roles.ts';
import { commonErrors, id, instant } from '../schemas/common.ts';

/** What the clock times: records, patrol alerts and inspection rounds (records/service/sla.ts). */
const SUBJECTS = ['record', 'alert', 'round'] as const;
type Subject = (typeof SUBJECTS)[number];

const pending = z
  .object({
    subject: z.enum(SUBJECTS),
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
      config: { roles: ANY_ROLE, sites: 'named' },
      schema: {
        tags: ['records'],
        summary: 'Deadlines not yet met of a site’s records, alerts and rounds, soonest first',
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

  app.get(
    '/breaches',
    {
      config: { roles: STATS_READERS, sites: 'named' },
      schema: {
        tags: ['stats'],
        summary: 'Breached deadlines of a site per step, breached in [from, to)',
        description: 'Pass the `from` and `to` of GET /stats to count the same period.',
        querystring: z.object({ site: id, from: instant, to: instant }),
        response: {
          200: z.object({
            items: z.array(
              z.object({ subject: z.enum(SUBJECTS), step: z.string(), count: z.number().int() }),
            ),
          }),
          ...commonErrors,
        },
      },
    },
    async (request) => {
      const { site, from, to } = request.query;
      const items = await ctx.records.db.query<{ subject: Subject; step: string; count: number }>(
        `SELECT d.subject, d.step, count(*)::int AS count
         FROM sla_breaches b JOIN sla_deadlines d ON d.id = b.deadline_id
         WHERE d.site_id = $1 AND b.breached_at >= $2 AND b.breached_at < $3
         GROUP BY d.subject, d.step ORDER BY count DESC, d.subject, d.step`,
        [site, from, to],
      );
      return { items };
    },
  );
};
