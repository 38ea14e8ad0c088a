/**
 * Maintenance windows planned and ended through the API take effect when the API answers, on every
 * rules worker, by the database's announcement (no refresh, no timer): over mosquitto, a fake clock,
 * and records on PGlite (the workers share the one embedded database) or PostgreSQL (each worker
 * with its own connections, as separate processes would have).
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
  until,
} from './support.ts';

const MIN = 60_000;
const ADMIN = `fm_admin_${'m'.repeat(43)}`;
/** Two sites, each watched by its own rules worker (RulesOptions.sites). */
const SITES = {
  mw: [
    { deviceId: 'P-held', kind: 'pump', secret: 'x', building: 'T1' },
    { deviceId: 'P-free', kind: 'pump', secret: 'x', building: 'T1' },
  ],
  mw2: [{ deviceId: 'P-other', kind: 'pump', secret: 'x', building: 'T1' }],
} satisfies Record<string, EstateDevice[]>;

export function maintenanceApiSuite(name: string, databaseUrl: () => string | undefined) {
  describe(`maintenance windows through the API (${name})`, () => {
    let broker: RunningServer & { url: string };
    let store: Store;
    let second: Store;
    let app: App;
    const workers: Rules[] = [];
    const sims: Sim[] = [];
    const dataDir = tempDir('maintenance-api');
    const clock = new FakeClock(Date.parse('2025-06-16T02:00:00Z'));
    const recordsOf = async (id: string) =>
      (await store.desk.listRecords({ deviceId: id, limit: 100 })).records;
    const api = (token: string, method: 'GET' | 'POST' | 'PATCH', url: string, body?: object) =>
      app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload: body });
    /** Both sites' devices publish and both workers evaluate, step by step. */
    const run = async (ms: number) => {
      const end = clock.t + ms;
      while (clock.t < end) {
        clock.t = Math.min(end, clock.t + 5000);
        for (const [i, sim] of sims.entries()) {
          for (const m of sim.models.values()) m.tick(clock.t);
          await sim.flush(workers[i]!);
          await workers[i]!.tick();
        }
      }
    };
    let sup: string;

    beforeAll(async () => {
      broker = await startBroker();
      store = await openStore(clock, databaseUrl());
      // PostgreSQL: the second worker has a store of its own, as another process would.
      second = databaseUrl() ? await openStore(clock, databaseUrl()) : store;
      for (const [site, devices] of Object.entries(SITES)) await registerEstate(store.records, site, devices);
      app = buildApp({
        records: store.records,
        desk: store.desk,
        log: silent,
        now: clock.now,
        options: { dataDir, adminToken: ADMIN, rateLimitMax: 0 },
      });
      await app.ready();
      for (const [i, [site, devices]] of Object.entries(SITES).entries()) {
        const s = i === 0 ? store : second;
        const rules = await rulesFor(broker.url, s, clock, { sites: [site] }, `service-rules-mw-${i}`);
        workers.push(rules);
        sims.push(await Sim.start(broker.url, site, clock, devices));
      }
      await run(MIN);
      const issued = await api(ADMIN, 'POST', '/tokens', { userId: 'sup-zhang', roles: ['supervisor'] });
      sup = issued.json().token as string;
    });

    afterAll(async () => {
      for (const sim of sims) await sim.stop();
      for (const rules of workers) await rules.stop();
      await app?.close();
      if (second && second !== store) await second.close();
      await store?.close();
      await broker?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const windows: number[] = [];
    it('holds a fault back from the first step after the API answered, on each worker', async () => {
      for (const body of [
        { site: 'mw', scope: 'device', target: 'P-held' },
        { site: 'mw2', scope: 'site' },
      ]) {
        const created = await api(sup, 'POST', '/maintenance-windows', {
          ...body,
          startsAt: new Date(clock.t).toISOString(),
          endsAt: new Date(clock.t + 60 * MIN).toISOString(),
          note: 'draining the tank',
        });
        expect(created.statusCode, created.body).toBe(201);
        expect(created.json().state).toBe('active');
        windows.push(created.json().id);
      }
      // No refresh: the very next readings already find the windows in force.
      for (const id of ['P-held', 'P-free']) sims[0]!.models.get(id)!.raise('flooding');
      sims[1]!.models.get('P-other')!.raise('flooding');
      await run(2 * MIN);
      expect(await recordsOf('P-held')).toHaveLength(0);
      expect(await recordsOf('P-other')).toHaveLength(0);
      expect((await recordsOf('P-free')).map((r) => r.faultCode)).toEqual(['flooding']);
      for (const rules of workers) expect(rules.counters().suppressedMaintenance).toBeGreaterThanOrEqual(1);
    });

    it('raises a held fault as soon as the API ends the window early, without a tick or a refresh', async () => {
      for (const id of windows) {
        const ended = await api(sup, 'PATCH', `/maintenance-windows/${id}`, { state: 'ended' });
        expect(ended.statusCode, ended.body).toBe(200);
      }
      const endedAt = clock.t;
      for (const id of ['P-held', 'P-other'])
        await until(`${id} raised`, async () => (await recordsOf(id)).length === 1);
      for (const id of ['P-held', 'P-other']) {
        const [r] = await recordsOf(id);
        expect(r?.faultCode).toBe('flooding');
        expect((r!.evidence as { afterMaintenance?: boolean }).afterMaintenance).toBe(true);
        expect(r!.faultAt!.getTime()).toBe(endedAt);
      }
    });
  });
}
