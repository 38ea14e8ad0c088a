/**
 * EMQX 5's HTTP authentication and authorization against the API. EMQX is not installable here, so
 * the requests are built the way EMQX builds them: the `body` templates of docs/deploy.md with
 * their `${placeholder}`s replaced by the client's values, POSTed as JSON with the configured headers.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiOptions } from '../../src/api/options.ts';
import { openTestApi, type TestApi } from './support.ts';

const SERVICE_SECRET = 'service-secret-for-emqx-tests-0123';
const DEVICE_SECRET = 'lift-secret-0123456789abcdefgh';

/** The `body { ... }` block under `url = ".../<path>"` in docs/deploy.md's EMQX section. */
function template(path: 'authn' | 'authz'): Record<string, string> {
  const doc = readFileSync('docs/deploy.md', 'utf8');
  const at = doc.indexOf(`/emqx/${path}"`);
  expect(at).toBeGreaterThan(0);
  const block = /body \{\n([\s\S]*?)\n\s*\}/.exec(doc.slice(at))![1]!;
  return Object.fromEntries(
    block.split('\n').map((line) => {
      const [, key, value] = /^\s*(\w+) = "(.*)"$/.exec(line)!;
      return [key!, value!];
    }),
  );
}

/** EMQX's rendering: each `${name}` becomes the client's value, an unknown one the empty string. */
function render(body: Record<string, string>, vars: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body).map(([k, v]) => [k, v.replace(/\$\{([\w.]+)\}/g, (_, name) => vars[name] ?? '')]),
  );
}

describe('EMQX 5 HTTP authentication and authorization', () => {
  let t: TestApi;
  let token: string;
  const authn = template('authn');
  const authz = template('authz');

  const post = (path: string, body: unknown, bearer: string | null = token) =>
    t.app.inject({
      method: 'POST',
      url: path,
      headers: {
        'content-type': 'application/json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      payload: JSON.stringify(body),
    });
  const connect = (clientid: string, username: string, password: string) =>
    post('/emqx/authn', render(authn, { clientid, username, password, peerhost: '10.1.2.3' }));
  const check = (clientid: string, action: string, topic: string, attrs: Record<string, string> = {}) =>
    post(
      '/emqx/authz',
      render(authz, {
        clientid,
        username: clientid,
        action,
        topic,
        ...Object.fromEntries(Object.entries(attrs).map(([k, v]) => [`client_attrs.${k}`, v])),
      }),
    );
  const result = async (res: Awaited<ReturnType<typeof post>>) => {
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    return res.json().result as string;
  };

  beforeAll(async () => {
    // A rate limit of 2 requests a minute: the EMQX routes must not be subject to it.
    t = await openTestApi({
      desk: false,
      deps: { serviceSecret: SERVICE_SECRET, options: { rateLimitMax: 2 } as ApiOptions },
    });
    await t.records.addSite({ id: 'estate-1', name: 'Estate 1' });
    for (const id of ['lift-1', 'lift-2', 'lift-3'])
      await t.records.addDevice({ id, site: 'estate-1', kind: 'lift', secret: DEVICE_SECRET });
    token = await t.token(['service'], 'emqx');
  });
  afterAll(() => t.close());

  it('allows a registered device with its secret, not as superuser, with its rotation time', async () => {
    const res = await connect('lift-1', 'lift-1', DEVICE_SECRET);
    expect(await result(res)).toBe('allow');
    expect(res.json()).toEqual({
      result: 'allow',
      is_superuser: false,
      client_attrs: { fm_rotated_at: '0' },
    });
  });

  it('denies with a 200, never a 4xx that EMQX would read as "ignore"', async () => {
    expect(await result(await connect('lift-1', 'lift-1', 'wrong-secret-0123456789abc'))).toBe('deny');
    expect(await result(await connect('lift-9', 'lift-9', DEVICE_SECRET))).toBe('deny'); // unknown
    expect(await result(await connect('lift-2', 'lift-1', DEVICE_SECRET))).toBe('deny'); // client id != username
    expect(await result(await connect('lift-1', '', ''))).toBe('deny'); // anonymous: EMQX renders ""
    const denied = await connect('lift-1', 'lift-1', 'wrong-secret-0123456789abc');
    expect(denied.json()).toEqual({ result: 'deny' }); // no reason: it would tell which ids exist
  });

  it('allows the service accounts with the service secret, one client id per copy', async () => {
    expect(await result(await connect('service.ingest', 'service.ingest', SERVICE_SECRET))).toBe('allow');
    expect(await result(await connect('service.ingest-2', 'service.ingest', SERVICE_SECRET))).toBe('allow');
    expect(await result(await connect('service.ingest', 'service.ingest', DEVICE_SECRET))).toBe('deny');
    expect(await result(await connect('other', 'service.ingest', SERVICE_SECRET))).toBe('deny');
  });

  it('lets a device use only its own topics', async () => {
    const own = 'fm/estate-1/lift/lift-1';
    expect(await result(await check('lift-1', 'publish', `${own}/telemetry`))).toBe('allow');
    expect(await result(await check('lift-1', 'publish', `${own}/status`))).toBe('allow');
    expect(await result(await check('lift-1', 'subscribe', `${own}/command`))).toBe('allow');
    expect(await result(await check('lift-1', 'publish', `${own}/command`))).toBe('deny');
    expect(await result(await check('lift-1', 'publish', 'fm/estate-1/lift/lift-2/telemetry'))).toBe('deny');
    expect(await result(await check('lift-1', 'publish', 'fm/estate-2/lift/lift-1/telemetry'))).toBe('deny');
    expect(await result(await check('lift-1', 'subscribe', 'fm/#'))).toBe('deny');
    expect(await result(await check('lift-1', 'subscribe', `$share/g/${own}/command`))).toBe('deny');
    expect(await result(await check('lift-1', 'publish', '$SYS/broker/uptime'))).toBe('deny');
    expect(await result(await check('lift-1', 'retain', `${own}/status`))).toBe('deny'); // no such action
  });

  it('lets services subscribe (shared too) and command devices, nothing else', async () => {
    const svc = (action: string, topic: string) =>
      post(
        '/emqx/authz',
        render(authz, { clientid: 'service.ingest-2', username: 'service.ingest', action, topic }),
      );
    expect(await result(await svc('subscribe', 'fm/+/+/+/telemetry'))).toBe('allow');
    expect(await result(await svc('subscribe', '$share/ingest/fm/+/+/+/telemetry'))).toBe('allow');
    expect(await result(await svc('subscribe', '#'))).toBe('deny');
    expect(await result(await svc('publish', 'fm/estate-1/lift/lift-1/command'))).toBe('allow');
    expect(await result(await svc('publish', 'fm/estate-1/lift/lift-1/telemetry'))).toBe('deny');
  });

  it('denies a revoked device at CONNECT and on its open session', async () => {
    expect(await result(await check('lift-3', 'publish', 'fm/estate-1/lift/lift-3/event'))).toBe('allow');
    await t.records.revokeDevice('lift-3');
    expect(await result(await connect('lift-3', 'lift-3', DEVICE_SECRET))).toBe('deny');
    expect(await result(await check('lift-3', 'publish', 'fm/estate-1/lift/lift-3/event'))).toBe('deny');
  });

  it('denies a session authenticated with a secret rotated away; the new one gets in', async () => {
    const topic = 'fm/estate-1/lift/lift-2/telemetry';
    const before = (await connect('lift-2', 'lift-2', DEVICE_SECRET)).json().client_attrs.fm_rotated_at;
    t.clock.t += 60_000;
    const secret = await t.records.rotateDeviceSecret('lift-2');
    expect(await result(await check('lift-2', 'publish', topic, { fm_rotated_at: before }))).toBe('deny');
    expect(await result(await connect('lift-2', 'lift-2', DEVICE_SECRET))).toBe('deny');
    const after = await connect('lift-2', 'lift-2', secret);
    expect(await result(after)).toBe('allow');
    const attr = after.json().client_attrs.fm_rotated_at;
    expect(attr).toBe(String(t.clock.t));
    expect(await result(await check('lift-2', 'publish', topic, { fm_rotated_at: attr }))).toBe('allow');
    // EMQX before 5.7 has no client attributes and renders the placeholder empty: not held against it.
    expect(await result(await check('lift-2', 'publish', topic))).toBe('allow');
  });

  it('refuses callers without the service token (EMQX reads 401/403 as "ignore")', async () => {
    expect((await post('/emqx/authn', render(authn, { clientid: 'lift-1' }), null)).statusCode).toBe(401);
    const desk = await t.token(['front_desk']);
    expect((await post('/emqx/authz', render(authz, { clientid: 'lift-1' }), desk)).statusCode).toBe(403);
  });

  it('answers 503 while the registry is down, which EMQX reads as "ignore"', async () => {
    const find = t.records.findDevice;
    t.records.findDevice = async () => {
      throw new Error('connection refused');
    };
    try {
      expect((await connect('lift-1', 'lift-1', DEVICE_SECRET)).statusCode).toBe(503);
      expect((await check('lift-1', 'publish', 'fm/estate-1/lift/lift-1/telemetry')).statusCode).toBe(503);
    } finally {
      t.records.findDevice = find;
    }
  });

  it('is not rate-limited: a reconnect storm arrives from one EMQX node', async () => {
    for (let i = 0; i < 5; i++)
      expect(await result(await connect('lift-1', 'lift-1', DEVICE_SECRET))).toBe('allow');
  });
});
