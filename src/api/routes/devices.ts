import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type Channel,
  COMMAND_CHANNEL,
  DEVICE_CHANNELS,
  deviceTopic,
  REPLY_CHANNEL,
} from '../../protocol/index.ts';
import type { Device } from '../../records/index.ts';
import type { ApiContext } from '../context.ts';
import { principalOf } from '../plugins/auth.ts';
import { scopeFilter } from '../plugins/sites.ts';
import { ANY_ROLE, DEVICE_ADMINS } from '../roles.ts';
import { commonErrors, conflict, deviceParams, notFound } from '../schemas/common.ts';
import { credentials, device, deviceBody, deviceQuery } from '../schemas/devices.ts';
import { siteLookups } from '../site-lookups.ts';

const tags = ['devices'];

/** What a device needs to connect (docs/architecture.md, "The MQTT contract"): client id = username = device id. */
export function credentialsFor(d: Device, password: string) {
  const address = { site: d.site, kind: d.kind, deviceId: d.id };
  return {
    deviceId: d.id,
    username: d.id,
    clientId: d.id,
    password,
    topics: {
      publish: ([...DEVICE_CHANNELS, REPLY_CHANNEL] as Channel[]).map((channel) =>
        deviceTopic({ ...address, channel }),
      ),
      subscribe: [deviceTopic({ ...address, channel: COMMAND_CHANNEL })],
    },
    device: d,
  };
}

export const deviceRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, { records, log }) => {
  const at = siteLookups(records.db);
  app.post(
    '/devices',
    {
      config: { roles: DEVICE_ADMINS, sites: 'named' },
      schema: {
        tags,
        summary: 'Register a device; answers its MQTT credentials once',
        body: deviceBody,
        response: { 201: credentials, ...commonErrors, ...notFound, ...conflict },
      },
    },
    async (request, reply) => {
      const { device: d, secret } = await records.addDevice(request.body);
      log.info({ deviceId: d.id, by: principalOf(request).userId }, 'device registered');
      return reply.code(201).send(credentialsFor(d, secret));
    },
  );

  app.get(
    '/devices',
    {
      config: { roles: ANY_ROLE, sites: 'list' },
      schema: {
        tags,
        summary: 'List devices',
        querystring: deviceQuery,
        response: { 200: z.object({ items: z.array(device) }), ...commonErrors },
      },
    },
    async (request) => ({
      items: await records.listDevices({ ...request.query, sites: scopeFilter(request) }),
    }),
  );

  app.get(
    '/devices/:id',
    {
      config: { roles: ANY_ROLE, sites: at.device },
      schema: {
        tags,
        summary: 'One device',
        params: deviceParams,
        response: { 200: device, ...commonErrors, ...notFound },
      },
    },
    async (request) => records.getDevice(request.params.id),
  );

  app.post(
    '/devices/:id/rotate',
    {
      config: { roles: DEVICE_ADMINS, sites: at.device },
      schema: {
        tags,
        summary: 'Issue a new MQTT password; the old one stops working at the next connect',
        params: deviceParams,
        response: { 200: credentials, ...commonErrors, ...notFound, ...conflict },
      },
    },
    async (request) => {
      const secret = await records.rotateDeviceSecret(request.params.id);
      log.info({ deviceId: request.params.id, by: principalOf(request).userId }, 'device secret rotated');
      return credentialsFor(await records.getDevice(request.params.id), secret);
    },
  );

  app.post(
    '/devices/:id/revoke',
    {
      config: { roles: DEVICE_ADMINS, sites: at.device },
      schema: {
        tags,
        summary: 'Revoke a device for good (it can no longer connect)',
        params: deviceParams,
        response: { 200: device, ...commonErrors, ...notFound },
      },
    },
    async (request) => {
      const revoked = await records.revokeDevice(request.params.id);
      log.info({ deviceId: revoked.id, by: principalOf(request).userId }, 'device revoked');
      return revoked;
    },
  );
};
