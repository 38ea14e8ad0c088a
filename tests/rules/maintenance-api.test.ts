/**
 * A maintenance window planned through the API holds a device's fault back in rules (over
 * mosquitto, PGlite, a fake clock), and ending it early through the API raises the fault then.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/api/context.ts';
import { buildApp } from '../../src/api/index.ts';
import type { Rules } from '../../src/rules/index.ts';
import { type RunningServer, tempDir } from '../support/servers.ts';
import {
  type EstateDevice,
  FakeClock,
  openStore,
  registerEstate,
  rulesFor,
  Sim,
  type Store,
  silent,
  startBroker,
} from './support.ts';

const SITE = 'mw';
const MIN = 60_000;
const ADMIN = `fm_admin_${'m'.repeat(43)}`;
const devices: EstateDevice[] = [
  { deviceId: 'P-held', kind: 'pump', secret: 'x', building: 'T1' },
  { deviceId: 'P-free', kind: 'pump', secret: 'x', building: 'T1' },
];

let broker: RunningServer & { url: string };
let store: Store;
let rules: Rules;
let sim: Sim;
let app: App;
const dataDir = tempDir('maintenance-api');
const clock = new FakeClock(Date.parse('2025-06-16T02:00:00Z'));
const recordsOf = async (id: string) => (await store.desk.listRecords({ deviceId: id, limit: 100 })).records;

async function api(token: string, method: 'GET' | 'POST' | 'PATCH', url: string, body?: object) {
  return app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload: body });
}

beforeAll(async () => {
  broker = await startBroker();
  store = await openStore(clock);
  await registerEstate(store.records, SITE, devices);
  app = buildApp({
    records: store.records,
    desk: store.desk,
    log: silent,
    now: clock.now,
    options: { dataDir, adminToken: ADMIN, rateLimitMax: 0 },
  });
  await app.ready();
  rules = await rulesFor(broker.url, store, clock, {}, 'service-rules-maintenance-api');
  sim = await Sim.start(broker.url, SITE, clock, devices);
  await sim.run(rules, MIN);
});

afterAll(async () => {
  await sim?.stop();
  await rules?.stop();
  await app?.close();
  await store?.close();
  await broker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('maintenance windows through the API', () => {
  it('holds the covered device back and raises its fault once the window is ended early', async () => {
    const issued = await api(ADMIN, 'POST', '/tokens', { userId: 'sup-zhang', roles: ['supervisor'] });
    const sup = issued.json().token as string;
    const created = await api(sup, 'POST', '/maintenance-windows', {
      site: SITE,
      scope: 'device',
      target: 'P-held',
      startsAt: new Date(clock.t).toISOString(),
      endsAt: new Date(clock.t + 60 * MIN).toISOString(),
      note: 'draining the tank',
    });
    expect(created.statusCode, created.body).toBe(201);
    await rules.refresh();

    sim.models.get('P-held')!.raise('flooding');
    sim.models.get('P-free')!.raise('flooding');
    await sim.run(rules, 2 * MIN);
    expect(await recordsOf('P-held')).toHaveLength(0);
    expect((await recordsOf('P-free')).map((r) => r.faultCode)).toEqual(['flooding']);
    expect(rules.counters().suppressedMaintenance).toBeGreaterThanOrEqual(1);

    const ended = await api(sup, 'PATCH', `/maintenance-windows/${created.json().id}`, { state: 'ended' });
    expect(ended.statusCode, ended.body).toBe(200);
    const endedAt = clock.t;
    await rules.refresh();
    await sim.run(rules, MIN);
    const [r] = await recordsOf('P-held');
    expect(r?.faultCode).toBe('flooding');
    expect((r!.evidence as { afterMaintenance?: boolean }).afterMaintenance).toBe(true);
    expect(r!.faultAt!.getTime()).toBeGreaterThanOrEqual(endedAt);
  });
});
