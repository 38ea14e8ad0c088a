/**
 * Each step of the procedure is its own route, POST /records/:id/actions/<action>, with the desk's
 * payload schema as its body and the desk's roles as its roles (records/service/lifecycle.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ACTIONS, type Action, TRANSITIONS } from '../../records/service/index.ts';
import { ContactPolicy } from '../contacts.ts';
import type { ApiContext } from '../context.ts';
import { actorFor, requireDesk } from '../desk.ts';
import { principalOf } from '../plugins/auth.ts';
import { ANY_ROLE } from '../roles.ts';
import { commonErrors, conflict, errorBody, notFound } from '../schemas/common.ts';
import { actionParams, record, recordParams } from '../schemas/records.ts';
import { siteLookups } from '../site-lookups.ts';

const SUMMARIES: Record<Action, string> = {
  dispatch: 'Hand to the person on duty (assigneeId omitted: the duty table picks)',
  reassign: 'Hand the slip to someone else',
  reclassify: 'Correct type, trade or priority (counts against classification accuracy)',
  acknowledge: 'The assignee signs for the slip',
  call_resident: 'Appointment: the resident was called beforehand',
  arrive: 'On site (emergencies may go first and sign later)',
  plan: 'Diagnosis and plan the resident agreed to',
  start: 'Work starts',
  block: 'It cannot be done: the escalation clock starts',
  escalate: 'To the trade supervisor, then the managers’ meeting',
  resume: 'Back to work after an escalation',
  complete: 'Work done: time, materials, fee',
  accept: 'The source checked the result and signed',
  reject: 'The check failed: back for another round (rework)',
  visit: 'Return visit: fixed, satisfied, charges right',
  answer: 'Complaint answered or arranged',
  note: 'A note on the record',
  cancel: 'Cancel with a reason (duplicate, mistake, withdrawn)',
};

/** The desk's payload for the action, with dispatch's assignee optional (the desk picks one). */
function bodyFor(action: Action): z.ZodType {
  const payload = TRANSITIONS[action].payload as z.ZodType;
  if ((action === 'dispatch' || action === 'reassign') && payload instanceof z.ZodObject) {
    return payload.extend({ assigneeId: z.string().min(1).max(64).optional() }).nullish();
  }
  return payload.nullish();
}

export const recordActionRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const at = siteLookups(ctx.records.db);
  for (const action of ACTIONS) {
    const roles = TRANSITIONS[action].roles;
    app.post(
      `/records/:id/actions/${action}`,
      {
        config: { roles, sites: at.record },
        schema: {
          tags: ['records'],
          summary: SUMMARIES[action],
          description: `Roles: ${roles.join(', ')}. From: ${TRANSITIONS[action].from.join(', ')}.`,
          params: recordParams,
          body: bodyFor(action),
          response: { 200: record, ...commonErrors, ...notFound, ...conflict, 503: errorBody },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const actor = actorFor(principal, roles);
        const payload = (request.body ?? {}) as Record<string, unknown>;
        const desk = requireDesk(ctx.desk);
        const record = await desk.transition(request.params.id, action, actor, payload);
        return new ContactPolicy(desk).one(principal, record);
      },
    );
  }

  // Anything else under actions/: say which actions exist instead of a bare 404.
  app.post(
    '/records/:id/actions/:action',
    {
      config: { roles: ANY_ROLE, sites: 'none' }, // refuses every call
      schema: {
        hide: true,
        params: actionParams,
        response: { 400: errorBody, 401: errorBody },
      },
    },
    async () => {
      throw new Error('unreachable: every action has its own route');
    },
  );
};
