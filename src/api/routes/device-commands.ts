/**
 * Commands to devices: POST queues one in the records database (the command sender publishes it,
 * src/device-commands/), GET lists a device's commands with their answers: the audit trail.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dateOf } from '../../clock.ts';
import { listCommands, queueCommand } from '../../records/index.ts';
import type { ApiContext } from '../context.ts';
import { forbidden } from '../errors.ts';
import { principalOf } from '../plugins/auth.ts';
import { ANY_COMMAND_SENDER, ANY_ROLE, COMMAND_SENDERS } from '../roles.ts';
import { commandBody, commandQuery, deviceCommand } from '../schemas/commands.ts';
import { commonErrors, conflict, deviceParams, notFound } from '../schemas/common.ts';
import { siteLookups } from '../site-lookups.ts';

const tags = ['devices'];

export const deviceCommandRoutes: FastifyPluginAsyncZod<ApiContext> = async (
  app,
  { records, log, now, options },
) => {
  const at = siteLookups(records.db);
  app.post(
    '/devices/:id/commands',
    {
      config: { roles: ANY_COMMAND_SENDER, sites: at.device },
      schema: {
        tags,
        summary: 'Send a command to a device (reset a tripped lighting circuit, report now)',
        description:
          "Queued at once and published at QoS 1 on the device's command topic; the device's answer ends it (GET lists it). report-now: front_desk, engineer, guard, supervisor, manager, admin, service. reset: engineer, supervisor, manager, admin, service, and only for a lighting circuit with an open circuit_trip record (409 device-not-tripped otherwise). A command the kind does not take is refused with 400 command-not-supported; a revoked device with 409 device-revoked.",
        params: deviceParams,
        body: commandBody,
        response: { 202: deviceCommand, ...commonErrors, ...notFound, ...conflict },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { command, recordId, note } = request.body;
      const role = principal.roles.find((r) => COMMAND_SENDERS[command].includes(r));
      if (!role)
        throw forbidden(
          `"${command}" needs one of the roles ${COMMAND_SENDERS[command].join(', ')}; your token has ${principal.roles.join(', ')}`,
        );
      const queued = await queueCommand(
        records.db,
        {
          deviceId: request.params.id,
          command,
          recordId,
          note,
          by: { id: principal.userId, role },
          ttlMs: options.commandTtlMs,
        },
        dateOf(now),
      );
      log.info(
        { commandId: queued.id, deviceId: queued.deviceId, command, by: principal.userId, recordId },
        `command ${command} to ${queued.deviceId} queued`,
      );
      return reply.code(202).send(queued);
    },
  );

  app.get(
    '/devices/:id/commands',
    {
      config: { roles: ANY_ROLE, sites: at.device },
      schema: {
        tags,
        summary: "A device's commands, newest first, with who sent each and the device's answer",
        params: deviceParams,
        querystring: commandQuery,
        response: { 200: z.object({ items: z.array(deviceCommand) }), ...commonErrors, ...notFound },
      },
    },
    async (request) => {
      await records.getDevice(request.params.id); // 404 for an unknown device
      return { items: await listCommands(records.db, request.params.id, request.query.limit) };
    },
  );
};
