/** The managers' rates per site and period: JSON, or CSV for a spreadsheet (Accept: text/csv or ?format=csv). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RATE_NAMES, statsCsv, statsJson } from '../../records/service/index.ts';
import type { ApiContext } from '../context.ts';
import { requireDesk } from '../desk.ts';
import { STATS_READERS } from '../roles.ts';
import { commonErrors, errorBody, id, notFound } from '../schemas/common.ts';

const query = z
  .object({
    site: id,
    period: z.enum(['day', 'week', 'month']),
    date: z.iso.date().optional().describe('a local date in the period (weeks start on Monday)'),
    from: z.iso.date().optional().describe('alias of date'),
    zone: id.optional().describe("one zone's figures: its buildings' and areas' records, devices and rounds"),
    format: z.enum(['json', 'csv']).optional().describe('overrides the Accept header'),
    lang: z
      .enum(['zh-CN', 'en'])
      .optional()
      .describe('labels and CSV headings; default the platform’s FM_LANG'),
  })
  .refine((q) => q.date ?? q.from, { message: 'give date=YYYY-MM-DD', path: ['date'] });

const rate = z.object({
  numerator: z.number(),
  denominator: z.number(),
  rate: z.number().nullable().describe('null when the denominator is 0'),
  label: z.string(),
});

const stats = z
  .object({
    site: z.string(),
    period: z.enum(['day', 'week', 'month']),
    date: z.string(),
    zone: z.string().nullable(),
    timezone: z.string(),
    from: z.string(),
    to: z.string(),
    records: z.number().int(),
    rates: z.object(Object.fromEntries(RATE_NAMES.map((n) => [n, rate])) as Record<string, typeof rate>),
    steps: z.array(
      z.object({
        state: z.string(),
        label: z.string(),
        count: z.number(),
        meanS: z.number(),
        p90S: z.number(),
      }),
    ),
    notifyEscalations: z
      .number()
      .int()
      .describe('escalation steps taken because nobody acknowledged (docs/notifications.md)'),
  })
  .meta({ id: 'SiteStats' });

/** Accept: text/csv wins unless JSON is listed before it (no q-value games: clients send one or the other). */
function prefersCsv(accept: string | undefined): boolean {
  const csv = accept?.indexOf('text/csv') ?? -1;
  const json = accept?.indexOf('application/json') ?? -1;
  return csv !== -1 && (json === -1 || csv < json);
}

export const statsRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    '/stats',
    {
      config: { roles: STATS_READERS, sites: 'named' },
      schema: {
        tags: ['stats'],
        summary:
          'Timeliness, satisfaction, first-time pass, return visit... each with numerator and denominator',
        querystring: query,
        response: {
          200: {
            description: 'JSON by default; CSV for Accept: text/csv or format=csv',
            content: { 'application/json': { schema: stats }, 'text/csv': { schema: z.string() } },
          },
          ...commonErrors,
          ...notFound,
          503: errorBody,
        },
      },
    },
    async (request, reply) => {
      const desk = requireDesk(ctx.desk);
      const { site, period, format, lang, zone } = request.query;
      const date = (request.query.date ?? request.query.from)!;
      const csv = format ? format === 'csv' : prefersCsv(request.headers.accept);
      const q = { site, period, date, ...(zone ? { zone } : {}) };
      if (csv) {
        const text = lang ? statsCsv(await desk.stats(q), lang) : await desk.statsCsv(q);
        // A UTF-8 byte order mark: without it Excel reads the file as the local code page and the
        // Chinese headings come out garbled (RFC 4180 does not forbid it; spreadsheets expect it).
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="stats-${site}-${period}-${date}.csv"`)
          .send(`\uFEFF${text}`);
      }
      const json = lang ? statsJson(await desk.stats(q), lang) : await desk.statsJson(q);
      return reply.type('application/json').send(json);
    },
  );
};
