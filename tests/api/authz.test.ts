/**
 * The authorization matrix: every role against every action, allowed or refused as designed. A
 * refusal is 403 forbidden before the body is even read; an allowed call may still fail for other
 * reasons (404, 400, 409), which is not a refusal of the role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_TRANSITIONS, ROLES, type Role, TRANSITIONS } from '../../src/records/service/index.ts';
import { ADMIN, openTestApi, type TestApi } from './support.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';
const ALL = ROLES;
const DESK_AND_UP: Role[] = ['front_desk', 'supervisor', 'manager', 'admin', 'service'];

/** The policy, written out by hand so a change to roles.ts has to change this table too. */
const MATRIX: Array<[Method, string, readonly Role[]]> = [
  ['GET', '/me', ALL],
  ['GET', '/sites', ALL],
  ['GET', '/sites/estate-1', ALL],
  ['POST', '/sites', ['admin', 'manager']],
  ['POST', '/sites/estate-1/buildings', ['admin', 'manager']],
  ['POST', '/sites/estate-1/areas', ['admin', 'manager']],
  ['GET', '/devices', ALL],
  ['GET', '/devices/lift-1', ALL],
  ['POST', '/devices', ['admin', 'manager', 'engineer']],
  ['POST', '/devices/nope/rotate', ['admin', 'manager', 'engineer']],
  ['POST', '/devices/nope/revoke', ['admin', 'manager', 'engineer']],
  ['GET', '/devices/lift-1/history?from=2025-01-01T00:00:00Z', ALL],
  ['GET', '/tokens', ['admin']],
  ['POST', '/tokens', ['admin']],
  ['POST', '/tokens/000000000000/revoke', ['admin']],
  ['GET', '/metrics', ['service', 'admin', 'manager']],
  ['GET', '/deadlines?site=estate-1', ALL],
  ['GET', '/records/1/allowed-actions', ALL],
  ['GET', '/records/1/attachments', ALL],
  ['POST', '/records/1/attachments', ALL],
  [
    'GET',
    '/breaches?site=estate-1&from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z',
    ['front_desk', 'supervisor', 'manager', 'admin'],
  ],
  ['GET', '/logins', ['admin']],
  ['POST', '/logins/nobody/invitations', ['admin']],
  ['POST', '/logins/nobody/revoke-sessions', ['admin']],
  ['GET', '/ingest/rejects', ['engineer', 'supervisor', 'manager', 'admin', 'service']],
  ['POST', '/records', DESK_AND_UP],
  ['GET', '/records', ALL],
  ['GET', '/records/1', ALL],
  ['GET', '/records/merge-candidates?site=estate-1', DESK_AND_UP],
  ['GET', '/contact-reads', ['manager', 'admin']],
  ['GET', '/alerts', ALL],
  ['GET', '/alerts/1', ALL],
  ['POST', '/alerts', DESK_AND_UP],
  [
    'GET',
    '/stats?site=estate-1&period=day&date=2025-03-03',
    ['front_desk', 'supervisor', 'manager', 'admin'],
  ],
  ['GET', '/plans', ALL],
  ['GET', '/plans/1', ALL],
  ['POST', '/plans', ['supervisor', 'manager', 'admin']],
  ['PATCH', '/plans/999999', ['supervisor', 'manager', 'admin']],
  ['GET', '/plan-calendar?site=estate-1&month=2025-03', ALL],
  ['GET', '/records/1/checklist', ALL],
  ['PUT', '/records/999999/checklist/1', ['engineer', 'guard', 'supervisor', 'manager', 'admin']],
  ['POST', '/records/999999/faults', ['engineer', 'guard', 'supervisor', 'manager', 'admin']],
  // Each step of the procedure, as the desk's lifecycle table designs it.
  ...Object.entries(TRANSITIONS).map(([action, rule]): [Method, string, readonly Role[]] => [
    'POST',
    `/records/999999/actions/${action}`,
    rule.roles,
  ]),
  ...Object.keys(ALERT_TRANSITIONS).map((action): [Method, string, readonly Role[]] => [
    'POST',
    `/alerts/999999/actions/${action}`,
    ['guard', 'supervisor', 'manager'],
  ]),
];

describe('authorization matrix', () => {
  let t: TestApi;
  const tokens = new Map<Role, string>();

  beforeAll(async () => {
    t = await openTestApi();
    await t.call(ADMIN, 'POST', '/sites', { id: 'estate-1', name: 'S' });
    await t.call(ADMIN, 'POST', '/devices', { id: 'lift-1', site: 'estate-1', kind: 'lift' });
    for (const role of ROLES) tokens.set(role, await t.token([role], `${role}-1`));
  });
  afterAll(async () => t?.close());

  it('spells out the design for the routes people get wrong', () => {
    const rolesOf = (action: keyof typeof TRANSITIONS) => TRANSITIONS[action].roles as readonly string[];
    expect(rolesOf('dispatch')).not.toContain('guard');
    expect(rolesOf('acknowledge')).not.toContain('admin');
    expect(rolesOf('acknowledge')).not.toContain('front_desk');
    expect(rolesOf('visit')).toContain('front_desk');
    expect(rolesOf('visit')).not.toContain('engineer');
  });

  for (const [method, url, allowed] of MATRIX) {
    it(`${method} ${url.split('?')[0]}: ${allowed.length === ROLES.length ? 'every role' : allowed.join(', ')}`, async () => {
      const outcome: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (const role of ROLES) {
        const res = await t.call(tokens.get(role), method, url, method === 'GET' ? undefined : {});
        const refused = res.statusCode === 403 && res.json().error.code === 'forbidden';
        outcome[role] = refused ? 'refused' : `allowed`;
        expected[role] = allowed.includes(role) ? 'allowed' : 'refused';
        expect(res.statusCode, `${role}: ${res.body}`).not.toBe(401);
        // 503: no InfluxDB and no ingest in this test; anything else 5xx is a bug.
        if (res.statusCode >= 500)
          expect(['history-unavailable', 'ingest-unavailable'], `${role}: ${res.body}`).toContain(
            res.json().error.code,
          );
      }
      expect(outcome).toEqual(expected);
    });
  }

  it('refuses every route but /health without a valid token', async () => {
    for (const [method, url] of MATRIX) {
      for (const token of [undefined, 'fm_0000_notatoken-notatoken-notatoken']) {
        const res = await t.call(token, method, url, method === 'GET' ? undefined : {});
        expect(res.statusCode, `${method} ${url}`).toBe(401);
      }
    }
    expect((await t.call(undefined, 'GET', '/health')).statusCode).toBe(200);
  });

  it('uses whichever of a token’s roles the action allows', async () => {
    const both = await t.token(['guard', 'front_desk'], 'multi-1');
    const res = await t.call(both, 'POST', '/records', {
      site: 'estate-1',
      source: 'call',
      type: 'inquiry',
      trade: 'customer_service',
      content: 'When is the water cut tomorrow?',
    });
    expect(res.statusCode).toBe(201);
    const detail = (await t.call(both, 'GET', `/records/${res.json().record.id}`)).json();
    expect(detail.history[0]).toMatchObject({ actorId: 'multi-1', actorRole: 'front_desk' });
  });
});
