/**
 * The API over a real store: auth, tokens, sites, devices, health and metrics. Runs on embedded
 * PGlite and on a real PostgreSQL (core.pglite.test.ts, core.postgres.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/api/index.ts';
import { VERIFIED_TTL_MS } from '../../src/api/tokens.ts';
import { ADMIN, openTestApi, replicaOf, type TestApi } from './support.ts';

export function coreSuite(name: string, databaseUrl: () => string | undefined) {
  describe(`API core on ${name}`, () => {
    let t: TestApi;
    beforeAll(async () => {
      t = await openTestApi({ databaseUrl: databaseUrl() });
    });
    afterAll(async () => t?.close());

    it('answers /health without a token', async () => {
      const res = await t.call(undefined, 'GET', '/health');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok', history: 'not-kept' });
    });

    it('refuses a missing, malformed, unknown or revoked token with 401', async () => {
      const missing = await t.call(undefined, 'GET', '/sites');
      expect(missing.statusCode).toBe(401);
      expect(missing.headers['www-authenticate']).toBe('Bearer');
      expect(missing.json().error.code).toBe('unauthorized');
      const malformed = await t.app.inject({ url: '/sites', headers: { authorization: 'Basic abc' } });
      expect(malformed.statusCode).toBe(401);
      expect((await t.call(`fm_nope_${'x'.repeat(43)}`, 'GET', '/sites')).statusCode).toBe(401);
      const token = await t.token(['front_desk']);
      expect((await t.call(token, 'GET', '/sites')).statusCode).toBe(200);
      const id = /^fm_([a-z0-9]+)_/.exec(token)![1];
      expect((await t.call(ADMIN, 'POST', `/tokens/${id}/revoke`)).statusCode).toBe(200);
      const revoked = await t.call(token, 'GET', '/sites');
      expect(revoked.statusCode).toBe(401);
      expect(revoked.json().error.message).toMatch(/revoked/);
    });

    it('sees a token revoked by another API process within VERIFIED_TTL_MS of its clock', async () => {
      const token = await t.token(['front_desk']);
      const id = /^fm_([a-z0-9]+)_/.exec(token)![1];
      const other = await replicaOf(t);
      try {
        const sites = () =>
          other
            .inject({ url: '/sites', headers: { authorization: `Bearer ${token}` } })
            .then((r) => r.statusCode);
        expect(await sites()).toBe(200); // verified once: trusted for VERIFIED_TTL_MS without asking again
        expect((await t.call(ADMIN, 'POST', `/tokens/${id}/revoke`)).statusCode).toBe(200);
        t.clock.t += VERIFIED_TTL_MS - 1;
        expect(await sites()).toBe(200);
        t.clock.t += 2;
        expect(await sites()).toBe(401);
      } finally {
        await other.close();
      }
    });

    it('issues tokens once, stores only their hash, and keeps them to admins', async () => {
      const res = await t.call(ADMIN, 'POST', '/tokens', { userId: 'desk-wang', roles: ['front_desk'] });
      expect(res.statusCode).toBe(201);
      const issued = res.json();
      expect(issued.token).toMatch(/^fm_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
      const rows = await t.records.db.query<{ token_hash: string }>(
        'SELECT token_hash FROM api_tokens WHERE id = $1',
        [issued.id],
      );
      expect(rows[0]!.token_hash).toBe(hashToken(issued.token));
      const list = (await t.call(ADMIN, 'GET', '/tokens')).json();
      expect(JSON.stringify(list)).not.toContain(issued.token);
      expect(JSON.stringify(list)).not.toContain(rows[0]!.token_hash);
      expect(list.items.map((x: { id: string }) => x.id)).toContain(issued.id);
      expect((await t.call(issued.token, 'GET', '/tokens')).statusCode).toBe(403);
      expect((await t.call(issued.token, 'GET', '/me')).json()).toMatchObject({
        userId: 'desk-wang',
        roles: ['front_desk'],
      });
      const bad = await t.call(ADMIN, 'POST', '/tokens', { userId: 'x', roles: ['janitor'] });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toMatchObject({ code: 'invalid-input', field: 'body.roles.0' });
      expect((await t.call(ADMIN, 'POST', '/tokens/000000000000/revoke')).json().error.code).toBe(
        'token-not-found',
      );
    });

    it('registers sites, buildings and areas with stable refusals', async () => {
      const site = await t.call(ADMIN, 'POST', '/sites', { id: 'estate-1', name: '一号小区' });
      expect(site.statusCode).toBe(201);
      expect(site.json()).toMatchObject({ id: 'estate-1', timezone: 'Asia/Shanghai' });
      const again = await t.call(ADMIN, 'POST', '/sites', { id: 'estate-1', name: 'again' });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('site-exists');
      const bad = await t.call(ADMIN, 'POST', '/sites', { id: 'has space', name: 'x' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toMatchObject({ code: 'invalid-input', field: 'body.id' });
      const tz = await t.call(ADMIN, 'POST', '/sites', { id: 'e9', name: 'x', timezone: 'Mars/Olympus' });
      expect(tz.statusCode).toBe(400);
      expect(tz.json().error.code).toBe('invalid-input');
      const b = await t.call(ADMIN, 'POST', '/sites/estate-1/buildings', {
        id: 'T1',
        name: 'Tower 1',
        floors: 18,
      });
      expect(b.statusCode).toBe(201);
      const area = await t.call(ADMIN, 'POST', '/sites/estate-1/areas', {
        id: 'P1',
        name: 'Pump room',
        building: 'T9',
      });
      expect(area.statusCode).toBe(404);
      expect(area.json().error.code).toBe('building-not-found');
      expect(
        (await t.call(ADMIN, 'POST', '/sites/estate-1/areas', { id: 'P1', name: 'Pump room' })).statusCode,
      ).toBe(201);
      const detail = (await t.call(ADMIN, 'GET', '/sites/estate-1')).json();
      expect(detail.buildings).toHaveLength(1);
      expect(detail.areas).toHaveLength(1);
      expect((await t.call(ADMIN, 'GET', '/sites/nowhere')).json().error.code).toBe('site-not-found');
      expect((await t.call(ADMIN, 'GET', '/sites/nowhere/buildings')).statusCode).toBe(404);
      expect((await t.call(ADMIN, 'GET', '/sites/bad%20id')).json().error.field).toBe('params.site');
    });

    it('registers a device, answers its credentials once, rotates and revokes', async () => {
      const res = await t.call(ADMIN, 'POST', '/devices', {
        id: 'lift-T1-A',
        site: 'estate-1',
        kind: 'lift',
        building: 'T1',
        floor: 1,
      });
      expect(res.statusCode).toBe(201);
      const creds = res.json();
      expect(creds).toMatchObject({ deviceId: 'lift-T1-A', username: 'lift-T1-A', clientId: 'lift-T1-A' });
      expect(creds.password.length).toBeGreaterThanOrEqual(20);
      expect(creds.topics.publish).toContain('fm/estate-1/lift/lift-T1-A/telemetry');
      expect(creds.topics.subscribe).toEqual(['fm/estate-1/lift/lift-T1-A/command']);
      const shown = JSON.stringify((await t.call(ADMIN, 'GET', '/devices/lift-T1-A')).json());
      expect(shown).not.toContain(creds.password);
      expect(shown).not.toContain('scrypt');
      const dup = await t.call(ADMIN, 'POST', '/devices', {
        id: 'lift-T1-A',
        site: 'estate-1',
        kind: 'lift',
      });
      expect(dup.json().error.code).toBe('device-exists');
      expect(dup.statusCode).toBe(409);
      const kind = await t.call(ADMIN, 'POST', '/devices', { id: 'x1', site: 'estate-1', kind: 'boiler' });
      expect(kind.json().error).toMatchObject({ code: 'invalid-input', field: 'body.kind' });
      const floor = await t.call(ADMIN, 'POST', '/devices', {
        id: 'x2',
        site: 'estate-1',
        kind: 'pump',
        building: 'T1',
        floor: 40,
      });
      expect(floor.statusCode).toBe(400);
      const rotated = (await t.call(ADMIN, 'POST', '/devices/lift-T1-A/rotate')).json();
      expect(rotated.password).not.toBe(creds.password);
      expect(rotated.device.secretRotatedAt).not.toBeNull();
      expect((await t.call(ADMIN, 'POST', '/devices/nope/rotate')).statusCode).toBe(404);
      expect((await t.call(ADMIN, 'POST', '/devices/lift-T1-A/revoke')).json().revokedAt).not.toBeNull();
      const again = await t.call(ADMIN, 'POST', '/devices/lift-T1-A/rotate');
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('device-revoked');
      expect((await t.call(ADMIN, 'GET', '/devices?site=estate-1')).json().items).toHaveLength(0);
      expect(
        (await t.call(ADMIN, 'GET', '/devices?site=estate-1&includeRevoked=true')).json().items,
      ).toHaveLength(1);
      const q = await t.call(ADMIN, 'GET', '/devices?kind=boiler');
      expect(q.json().error).toMatchObject({ code: 'invalid-input', field: 'query.kind' });
    });

    it('serves Prometheus metrics to service tokens', async () => {
      const service = await t.token(['service']);
      const res = await t.call(service, 'GET', '/metrics');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toMatch(
        /fm_http_request_duration_seconds_count\{method="POST",route="\/sites",status_code="201"\} \d+/,
      );
      expect(res.body).toMatch(/^fm_sites 1$/m);
      expect(res.body).toMatch(/^fm_devices\{state="revoked"\} 1$/m);
      expect((await t.call(await t.token(['front_desk']), 'GET', '/metrics')).statusCode).toBe(403);
    });

    it('answers unknown routes with 404 not-found', async () => {
      const res = await t.call(ADMIN, 'GET', '/nothing-here');
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not-found');
    });
  });
}
