/**
 * Site scope on the embedded store (the PostgreSQL run is site-scope.postgres.test.ts), and the
 * declaration itself: a route without `config.sites` does not register, a 'list' route that does
 * not apply the caller's sites does not answer.
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/api/context.ts';
import { registerSiteScope, scopeFilter } from '../../src/api/plugins/sites.ts';
import { siteScopeSuite } from './site-scope.suite.ts';

siteScopeSuite('embedded PGlite', () => undefined);

describe('config.sites', () => {
  async function bare(principal: { sites?: string[] }) {
    const app = Fastify();
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request) => {
      request.principal = { tokenId: 'session', userId: 'u', roles: ['front_desk'], ...principal };
    });
    registerSiteScope(app as unknown as App);
    return app;
  }

  it('refuses to register a route that declares no site scope', async () => {
    const app = await bare({});
    app.register(async (scope) => {
      scope.get('/forgot', { config: { roles: ['admin'] } }, async () => ({}));
    });
    await expect(app.ready()).rejects.toThrow(/GET \/forgot declares no site scope/);
  });

  it("refuses (500) to answer a 'list' route whose handler did not apply the caller's sites", async () => {
    for (const [sites, status] of [
      [['a'], 500],
      [[], 200],
    ] as const) {
      const app = await bare({ sites: [...sites] });
      app.get('/leaky', { config: { roles: ['admin'], sites: 'list' } }, async () => ({ items: ['b'] }));
      app.get('/careful', { config: { roles: ['admin'], sites: 'list' } }, async (request) => ({
        items: scopeFilter(request) ?? 'every',
      }));
      expect((await app.inject({ url: '/leaky' })).statusCode).toBe(status);
      expect((await app.inject({ url: '/careful' })).statusCode).toBe(200);
      await app.close();
    }
  });
});
