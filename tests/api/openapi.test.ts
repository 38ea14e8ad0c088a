/** The OpenAPI document is well formed and lists every route the app serves. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORD_CREATORS } from '../../src/api/roles.ts';
import { ACTIONS, ALERT_TRANSITIONS } from '../../src/records/service/index.ts';
import { openTestApi, type TestApi } from './support.ts';

// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary JSON document
type Json = any;

function refs(node: Json, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('OpenAPI document', () => {
  let t: TestApi;
  let doc: Json;
  beforeAll(async () => {
    t = await openTestApi();
    const res = await t.call(undefined, 'GET', '/openapi.json');
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(async () => t?.close());

  it('is OpenAPI 3.1 with info, bearer security and tags', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBeTruthy();
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
  });

  it('lists every route, each with responses, an error schema and resolvable refs', () => {
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries<Json>(doc.paths)) {
      for (const [method, op] of Object.entries<Json>(ops)) {
        documented.add(`${method.toUpperCase()} ${path}`);
        expect(Object.keys(op.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
        expect(op.tags?.length, `${method} ${path} has a tag`).toBeGreaterThan(0);
        expect(op.summary, `${method} ${path} has a summary`).toBeTruthy();
        if (path !== '/health') expect(op.responses['401'], `${method} ${path} documents 401`).toBeDefined();
      }
    }
    // Every API route (not the docs UI or the document itself) is in the document, and served.
    const expected = [
      'GET /health',
      'GET /metrics',
      'GET /ingest/rejects',
      'GET /me',
      'POST /tokens',
      'GET /tokens',
      'POST /tokens/{id}/revoke',
      'GET /sites',
      'POST /sites',
      'GET /sites/{site}',
      'GET /sites/{site}/buildings',
      'POST /sites/{site}/buildings',
      'GET /sites/{site}/areas',
      'POST /sites/{site}/areas',
      'POST /devices',
      'GET /devices',
      'GET /devices/{id}',
      'POST /devices/{id}/rotate',
      'POST /devices/{id}/revoke',
      'GET /devices/{id}/status-and-last-readings',
      'GET /devices/{id}/history',
      'POST /records',
      'GET /records',
      'GET /records/merge-candidates',
      'GET /records/{id}',
      ...ACTIONS.map((a) => `POST /records/{id}/actions/${a}`),
      'GET /contact-reads',
      'GET /alerts',
      'POST /alerts',
      'GET /alerts/{id}',
      ...Object.keys(ALERT_TRANSITIONS).map((a) => `POST /alerts/{id}/actions/${a}`),
      'GET /staff',
      'POST /staff',
      'PATCH /staff/{id}',
      'GET /duty-shifts',
      'POST /duty-shifts',
      'PATCH /duty-shifts/{id}',
      'GET /duty/now',
      'GET /sites/{site}/sla',
      'PUT /sites/{site}/sla',
      'GET /maintenance-windows',
      'POST /maintenance-windows',
      'GET /maintenance-windows/{id}',
      'PATCH /maintenance-windows/{id}',
      'GET /stats',
      'GET /stream',
      'POST /stream/tickets',
      'GET /deadlines',
      'GET /breaches',
      'GET /records/{id}/allowed-actions',
      'POST /records/{id}/attachments',
      'GET /records/{id}/attachments',
      'GET /records/{id}/attachments/{attachmentId}',
      'GET /logins',
      'PUT /logins/{staffId}',
      'POST /logins/{staffId}/invitations',
      'POST /logins/{staffId}/revoke-sessions',
      'POST /emqx/authn',
      'POST /emqx/authz',
      'POST /devices/{id}/commands',
      'GET /devices/{id}/commands',
      'GET /sites/{site}/zones',
      'POST /sites/{site}/zones',
      'GET /sites/{site}/zones/{zone}',
      'PUT /sites/{site}/zones/{zone}',
      'GET /sites/{site}/round-routes',
      'POST /sites/{site}/round-routes',
      'GET /sites/{site}/round-routes/{route}',
      'POST /sites/{site}/round-routes/{route}/schedules',
      'DELETE /sites/{site}/round-routes/{route}',
      'DELETE /sites/{site}/round-routes/{route}/checkpoints/{checkpoint}',
      'DELETE /sites/{site}/round-routes/{route}/schedules/{schedule}',
      'GET /rounds',
      'POST /rounds',
      'GET /rounds/{id}',
      'POST /rounds/{id}/confirm',
      'POST /rounds/{id}/findings',
      'POST /rounds/{id}/finish',
      'GET /plans',
      'POST /plans',
      'GET /plans/{id}',
      'PATCH /plans/{id}',
      'GET /plan-calendar',
      'GET /records/{id}/checklist',
      'PUT /records/{id}/checklist/{position}',
      'POST /records/{id}/faults',
      'GET /records/{id}/notifications',
      'GET /alerts/{id}/notifications',
      'GET /staff/{id}/notifications',
    ];
    for (const e of expected) {
      expect(documented, e).toContain(e);
      const [method, url] = e.split(' ') as [string, string];
      expect(t.app.hasRoute({ method, url: url.replace(/\{(\w+)\}/g, ':$1') }), e).toBe(true);
    }
    expect([...documented].sort()).toEqual([...expected].sort());
    for (const ref of refs(doc)) {
      const name = ref.replace('#/components/schemas/', '');
      expect(doc.components.schemas[name], ref).toBeDefined();
    }
  });

  it('documents request bodies and the record action payloads', () => {
    const plan = doc.paths['/records/{id}/actions/plan'].post;
    const schema = JSON.stringify(plan.requestBody);
    expect(schema).toContain('residentAgreed');
    expect(JSON.stringify(doc.paths['/records'].post.requestBody)).toContain('contactPhone');
    expect(Object.keys(doc.paths['/stats'].get.responses['200'].content).sort()).toEqual([
      'application/json',
      'text/csv',
    ]);
  });

  const operations = () =>
    Object.entries<Json>(doc.paths).flatMap(([path, ops]) =>
      Object.entries<Json>(ops).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
    );

  it('gives every operation a unique operationId, its roles and a meaning for every status code', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { name, op } of operations()) {
      expect(op.description, name).toMatch(/Roles: [^\n]+\.$/);
      expect(Array.isArray(op['x-roles']), name).toBe(true);
      expect(['none', 'named', 'list', 'entity'], name).toContain(op['x-site-scope']);
      for (const [status, response] of Object.entries<Json>(op.responses))
        expect(response.description, `${name} ${status}`).not.toBe('Default Response');
    }
    expect(doc.paths['/records'].post['x-roles']).toEqual([...RECORD_CREATORS]);
    expect(doc.paths['/health'].get.description).toContain('Roles: none (public).');
  });

  it('lists no Input twin that nothing refers to', () => {
    const text = JSON.stringify(doc);
    const unused = Object.keys(doc.components.schemas).filter(
      (n) => n.endsWith('Input') && !text.includes(`"#/components/schemas/${n}"`),
    );
    expect(unused).toEqual([]);
  });

  it('gives ids, phones and instants examples from the demo estate, each valid for its schema', () => {
    const seen: string[] = [];
    const walk = (node: Json, name?: string) => {
      if (Array.isArray(node)) {
        for (const n of node) walk(n);
        return;
      }
      if (!node || typeof node !== 'object') return;
      if (name && Array.isArray(node.examples) && node.type !== 'object') {
        seen.push(name);
        for (const example of node.examples) {
          if (node.pattern) expect(String(example), name).toMatch(new RegExp(node.pattern));
          if (node.format === 'date-time') expect(Number.isNaN(Date.parse(example)), name).toBe(false);
        }
      }
      for (const [key, value] of Object.entries<Json>(node.properties ?? {})) walk(value, key);
      for (const [key, value] of Object.entries<Json>(node))
        if (key !== 'properties') walk(value, key === 'schema' && node.name ? node.name : undefined);
    };
    walk(doc.paths);
    expect(seen).toContain('site');
    expect(seen).toContain('contactPhone');
    expect(
      doc.paths['/records'].post.requestBody.content['application/json'].schema.properties.site.examples,
    ).toEqual(['demo']);
  });

  it('serves the browsable page at /docs', async () => {
    const res = await t.call(undefined, 'GET', '/docs/');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });
});
