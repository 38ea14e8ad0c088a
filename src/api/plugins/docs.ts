/**
 * The OpenAPI document, generated from the routes' zod schemas: JSON at /openapi.json, a browsable
 * page at /docs. Registered before the routes so @fastify/swagger sees every one of them.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { App } from '../context.ts';
import { describeOperation, dropUnusedInputTwins } from './openapi-describe.ts';

export const OPENAPI_TAGS = [
  { name: 'health', description: 'liveness and Prometheus metrics' },
  { name: 'tokens', description: 'API tokens (admin)' },
  { name: 'sites', description: 'estates, their buildings and areas' },
  { name: 'devices', description: 'device registry, MQTT credentials, status and history' },
  { name: 'records', description: 'service records: the front desk procedure' },
  { name: 'alerts', description: 'patrol alerts for guards' },
  { name: 'duty', description: 'staff, their shifts and who dispatch picks now' },
  { name: 'sla', description: 'deadline overrides per site and record type' },
  { name: 'maintenance', description: 'planned maintenance windows that hold device faults back' },
  { name: 'stats', description: 'the managers’ rates per site and period' },
  { name: 'stream', description: 'live changes for the front-desk screen' },
  { name: 'logins', description: 'console sign-ins: passwords, invitation links, sessions (admin)' },
  { name: 'broker', description: 'EMQX 5 HTTP authentication and authorization (docs/deploy.md)' },
  { name: 'notifications', description: 'delivery log: what was sent to whom, and how it went' },
];

export async function registerDocs(app: App, { ui }: { ui: boolean }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'facility-monitor API',
        description:
          'Service records, patrol alerts, sites and devices of residential estates. Send `Authorization: Bearer <token>`; see docs/api.md.',
        version: '1',
      },
      tags: OPENAPI_TAGS,
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: (document) => {
      const result = jsonSchemaTransform(document);
      const schema = result.schema as Record<string, unknown> | undefined;
      if (schema && !schema.hide) describeOperation(schema, document.route);
      return result;
    },
    transformObject: (document) => dropUnusedInputTwins(jsonSchemaTransformObject(document) as never),
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { roles: 'public' } }, async () =>
    app.swagger(),
  );
  if (ui) {
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  }
}
