/**
 * The delivery log (docs/notifications.md): what the desk told whom about a record or an alert, and
 * everything sent to one person, with each notification's state, attempts and the receiver's last
 * answer. It names phone numbers and e-mail addresses, so it is the desk's and supervisors' to
 * read; engineers and guards read their own.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { requireDesk } from '../desk.ts';
import { forbidden } from '../errors.ts';
import { principalOf } from '../plugins/auth.ts';
import { ANY_ROLE } from '../roles.ts';
import { commonErrors, errorBody, id, serialParams } from '../schemas/common.ts';
import { siteLookups } from '../site-lookups.ts';

/** Who reads a record's or an alert's delivery log (the console's record page shows it to them). */
const LOG_READERS = ['front_desk', 'supervisor', 'manager', 'admin'] as const;

const delivery = z
  .object({
    id: z.number().int(),
    key: z.string().describe('the idempotency key the receiver was sent'),
    event: z
      .string()
      .describe('dispatch, reassign, emergency, alert, breach, escalated, rejected, report, reminder'),
    subject: z.enum(['record', 'alert', 'round']),
    subjectId: z.number().int(),
    site: z.string(),
    channel: z.enum(['webhook', 'wecom', 'dingtalk', 'feishu', 'email', 'sms']),
    target: z.string().describe('a configured receiver’s name, or the e-mail address or phone number'),
    staffId: z.string().nullable().describe('the person told; null for a group chat'),
    mentions: z.array(z.string()).describe('phone numbers @-mentioned in a group chat'),
    emergency: z.boolean(),
    title: z.string(),
    state: z.enum(['queued', 'sent', 'failed', 'gave_up']).describe('failed: will be retried at nextAt'),
    attempts: z.number().int(),
    createdAt: z.date(),
    nextAt: z.date().describe('not before: the next retry, or the end of the person’s quiet hours'),
    sentAt: z.date().nullable(),
    lastStatus: z.number().int().nullable().describe('HTTP status or SMTP reply code of the last attempt'),
    lastAnswer: z.string().nullable(),
  })
  .meta({ id: 'Delivery' });

const page = z.object({
  items: z.array(delivery),
  nextCursor: z.number().int().nullable().describe('pass as cursor for the next (older) page'),
});
const query = z.object({
  cursor: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const responses = { 200: page, ...commonErrors, 404: errorBody, 503: errorBody };

export const notificationRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const at = siteLookups(ctx.records.db);
  app.get(
    '/records/:id/notifications',
    {
      config: { roles: [...LOG_READERS], sites: at.record },
      schema: {
        tags: ['notifications'],
        summary: 'Delivery log of a record: every notification about it, newest first',
        params: serialParams,
        querystring: query,
        response: responses,
      },
    },
    async (request) => {
      const desk = requireDesk(ctx.desk);
      await desk.getRecord(request.params.id); // 404 for a record that does not exist
      return desk.deliveryLog({ subject: 'record', subjectId: request.params.id, ...request.query });
    },
  );
  app.get(
    '/alerts/:id/notifications',
    {
      config: { roles: [...LOG_READERS], sites: at.alert },
      schema: {
        tags: ['notifications'],
        summary: 'Delivery log of a patrol alert, newest first',
        params: serialParams,
        querystring: query,
        response: responses,
      },
    },
    async (request) => {
      const desk = requireDesk(ctx.desk);
      await desk.getAlert(request.params.id);
      return desk.deliveryLog({ subject: 'alert', subjectId: request.params.id, ...request.query });
    },
  );
  app.get(
    '/staff/:id/notifications',
    {
      config: { roles: ANY_ROLE, sites: at.staff },
      schema: {
        tags: ['notifications'],
        summary: 'Everything sent to one person, newest first',
        description: 'The desk, supervisors, managers and admins read anyone’s; others only their own.',
        params: z.object({ id }),
        querystring: query,
        response: responses,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const mine = principal.userId === request.params.id;
      if (!mine && !principal.roles.some((r) => (LOG_READERS as readonly string[]).includes(r)))
        throw forbidden('only your own delivery log, unless you are desk, supervisor, manager or admin');
      return requireDesk(ctx.desk).deliveryLog({ staffId: request.params.id, ...request.query });
    },
  );
};
