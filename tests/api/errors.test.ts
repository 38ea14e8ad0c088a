/** Refusals keep their shape, and a 500 says nothing internal: the details go to the log only. */
import { afterEach, describe, expect, it } from 'vitest';
import { captureLog } from '../support/log.ts';
import { ADMIN, openTestApi, type TestApi } from './support.ts';

describe('API errors', () => {
  let t: TestApi | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('a failing store gives 500 internal with a request id and nothing else', async () => {
    const logs = captureLog();
    t = await openTestApi({ log: logs.log });
    await t.call(ADMIN, 'POST', '/sites', { id: 's1', name: 'S' });
    const token = await t.token(['front_desk']);
    // Tokens are checked before the failure we force: keep the check working, break the registry.
    t.records.listSites = async () => {
      throw Object.assign(new Error('relation "sites" does not exist at /srv/db/secret-path'), {
        code: '42P01',
      });
    };
    const res = await t.call(token, 'GET', '/sites');
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'requestId']);
    expect(body.error).toMatchObject({ code: 'internal', message: 'internal error' });
    expect(res.body).not.toMatch(/relation|secret-path|42P01|stack/);
    expect(logs.text()).toContain(body.error.requestId);
    expect(logs.text()).toContain('secret-path');
  });

  it('a closed database gives 500 on authenticated routes and 503 on /health', async () => {
    t = await openTestApi();
    const token = await t.token(['front_desk']);
    await t.records.db.close();
    const res = await t.call(token, 'GET', '/sites');
    expect(res.statusCode).toBe(500);
    expect(res.json().error).toMatchObject({ code: 'internal', message: 'internal error' });
    expect(res.body).not.toMatch(/closed|pglite|stack|at /i);
    const health = await t.call(undefined, 'GET', '/health');
    expect(health.statusCode).toBe(503);
    expect(health.json().status).toBe('unavailable');
  });

  it('bad JSON, oversized bodies and wrong content types are 4xx with codes', async () => {
    t = await openTestApi({ deps: { options: { dataDir: '/unused', bodyLimitBytes: 2048 } } });
    const bad = await t.app.inject({
      method: 'POST',
      url: '/sites',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      payload: '{"id": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid-input');
    const big = await t.call(ADMIN, 'POST', '/sites', { id: 'big', name: 'x'.repeat(5000) });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('body-too-large');
    const type = await t.app.inject({
      method: 'POST',
      url: '/sites',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'text/xml' },
      payload: '<site/>',
    });
    expect(type.statusCode).toBe(415);
    expect(type.json().error.code).toBe('unsupported-media-type');
  });

  it('rate limits per client address with 429 rate-limited', async () => {
    t = await openTestApi({ deps: { options: { dataDir: '/unused', rateLimitMax: 3 } } });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await t.call(undefined, 'GET', '/health')).statusCode);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const res = await t.call(undefined, 'GET', '/health');
    expect(res.json().error.code).toBe('rate-limited');
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('sets security headers', async () => {
    t = await openTestApi();
    const res = await t.call(undefined, 'GET', '/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
  });
});
