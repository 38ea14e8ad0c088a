/**
 * GET /stream: server-sent events of record, alert and breach changes for the front-desk screen.
 * Heartbeat comments keep proxies from timing the link out and let the screen notice a dead one;
 * shutdown ends every stream so the server can close.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceRecord } from '../../records/service/index.ts';
import type { Change } from '../changes.ts';
import { ContactPolicy } from '../contacts.ts';
import type { ApiContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { principalOf } from '../plugins/auth.ts';
import { scopeFilter } from '../plugins/sites.ts';
import { ANY_ROLE } from '../roles.ts';
import { commonErrors, errorBody, id } from '../schemas/common.ts';

/** The longest a stream waits to hear other processes' changes before it opens anyway. */
const HEARING_WAIT_MS = 10_000;

/** A client this far behind is dropped; EventSource reconnects and the screen reloads its lists. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export const streamRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.post(
    '/stream/tickets',
    {
      config: { roles: ANY_ROLE, sites: 'none' }, // the ticket carries the caller's sites
      schema: {
        tags: ['stream'],
        summary: 'A one-time ticket that opens GET /stream?ticket= within a minute (for EventSource)',
        response: {
          201: z.object({ ticket: z.string(), expiresAt: z.date() }),
          ...commonErrors,
        },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return ctx.streamTickets.issue(principalOf(request));
    },
  );

  app.get(
    '/stream',
    {
      config: { roles: ANY_ROLE, ticket: true, sites: 'list' },
      schema: {
        tags: ['stream'],
        summary: 'Server-sent events: record, alert and breach changes (optionally one site)',
        description:
          "Events `record` {action, actor, record}, `alert` {action, actor, alert}, `breach` {breach, notify}; comment lines are heartbeats. A record's contact is shown as in GET /records (in full for front_desk, supervisor and manager, audited; 138****1234 otherwise).",
        querystring: z.object({
          site: id.optional(),
          ticket: z
            .string()
            .max(64)
            .optional()
            .describe('instead of the Authorization header: from POST /stream/tickets'),
        }),
        response: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } },
          ...commonErrors,
          503: errorBody,
        },
      },
    },
    async (request, reply) => {
      if (ctx.changes.size >= ctx.options.sseMaxClients) {
        throw new ApiError(503, 'stream-full', 'too many open streams; retry shortly');
      }
      const { site } = request.query;
      const sites = scopeFilter(request);
      // A replica just started may still be connecting its LISTEN: the stream opens once other
      // processes' changes are heard too, so it shows every change from its first line on (not
      // waiting long on a database that takes connections but does not answer).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        ctx.desk?.hearingOthers(),
        new Promise<void>((r) => {
          timer = setTimeout(r, HEARING_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
      });
      res.write('retry: 5000\n: connected\n\n');
      let seq = 0;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        unsubscribe();
        if (!res.writableEnded) res.end();
      };
      const write = (text: string) => {
        if (ended) return;
        if (res.writableLength > MAX_BUFFERED_BYTES) {
          request.log.warn('stream client too slow; closing its stream');
          end();
          return;
        }
        res.write(text);
      };
      const principal = principalOf(request);
      const contacts = ctx.desk ? new ContactPolicy(ctx.desk) : undefined;
      // A record's contact is shown as in lists and audited before it is sent; the chain keeps
      // events in order while the trail is written. Unaudited, it goes out masked.
      let queue: Promise<void> = Promise.resolve();
      const present = async (c: Change): Promise<unknown> => {
        const data = c.data as { record?: ServiceRecord };
        if (c.event !== 'record' || !data.record || !contacts) return c.data;
        const [record] = await contacts.present(principal, [data.record], 'stream').catch((err: Error) => {
          request.log.error({ err }, 'could not note a contact read; sending the record masked');
          return contacts.present({ ...principal, roles: [] }, [data.record!], 'stream');
        });
        return { ...data, record };
      };
      const send = (c: Change) => {
        if ((site && c.site !== site) || (sites && !sites.includes(c.site))) return;
        queue = queue
          .then(async () => {
            const data = await present(c);
            seq += 1;
            write(`id: ${seq}\nevent: ${c.event}\ndata: ${JSON.stringify(data)}\n\n`);
          })
          .catch((err: Error) => request.log.error({ err }, 'stream event not sent'));
      };
      const heartbeat = setInterval(() => write(': heartbeat\n\n'), ctx.options.sseHeartbeatS * 1000);
      const unsubscribe = ctx.changes.subscribe(send, end);
      request.raw.on('close', end);
      res.on('error', end);
    },
  );
};
