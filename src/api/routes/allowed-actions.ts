/**
 * Which of the procedure's actions the caller may take on a record now: the lifecycle table's own
 * decide() run for each action (role, state, assignee, and the checks inside a step such as "only
 * emergencies arrive before signing"), without writing anything. Screens show exactly these.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dateOf } from '../../clock.ts';
import { RecordsError } from '../../records/index.ts';
import { ACTIONS, type Action, decide, TRANSITIONS } from '../../records/service/index.ts';
import type { ApiContext } from '../context.ts';
import { actorFor, requireDesk } from '../desk.ts';
import { principalOf } from '../plugins/auth.ts';
import { ANY_ROLE } from '../roles.ts';
import { commonErrors, errorBody, notFound } from '../schemas/common.ts';
import { recordParams } from '../schemas/records.ts';
import { siteLookups } from '../site-lookups.ts';

/** The least each step's form must carry, so decide() reaches the step's own checks. */
const SAMPLES: Partial<Record<Action, Record<string, unknown>>> = {
  dispatch: { assigneeId: 'x' },
  reassign: { assigneeId: 'x', note: 'x' },
  reclassify: { type: 'repair', note: 'x' },
  plan: { durationMin: 1, residentAgreed: true },
  block: { note: 'x' },
  complete: { workMinutes: 0 },
  accept: { acceptedBy: 'x' },
  reject: { note: 'x' },
  visit: { fixed: true, satisfied: true, chargesOk: true },
  answer: { note: 'x' },
  note: { note: 'x' },
  cancel: { reason: 'duplicate' },
};

export const allowedActionRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  app.get(
    '/records/:id/allowed-actions',
    {
      config: { roles: ANY_ROLE, sites: siteLookups(ctx.records.db).record },
      schema: {
        tags: ['records'],
        summary: 'The actions the caller may take on the record now (nothing is changed)',
        params: recordParams,
        response: {
          200: z.object({ items: z.array(z.enum(ACTIONS)) }),
          ...commonErrors,
          ...notFound,
          503: errorBody,
        },
      },
    },
    async (request) => {
      const record = await requireDesk(ctx.desk).getRecord(request.params.id);
      const principal = principalOf(request);
      const at = dateOf(ctx.now);
      const items = ACTIONS.filter((action) => {
        try {
          decide(record, action, actorFor(principal, TRANSITIONS[action].roles), SAMPLES[action] ?? {}, at);
          return true;
        } catch (err) {
          // A sample the payload schema no longer accepts means the checks before it passed.
          return err instanceof RecordsError && err.code === 'invalid-input';
        }
      });
      return { items };
    },
  );
};
