/**
 * One store per engine, a fake clock, and the people of a small estate: the service-desk suites run
 * against embedded PGlite and a real PostgreSQL through this.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type Db, openRecords, type Records, RecordsError } from '../../../src/records/index.ts';
import {
  type Actor,
  type DeskEvent,
  openServiceDesk,
  type ServiceDesk,
} from '../../../src/records/service/index.ts';

export const silent = pino({ level: 'silent' });

export const MIN = 60_000;
export const desk: Actor = { id: 'desk-1', role: 'front_desk' };
export const eng: Actor = { id: 'eng-1', role: 'engineer' };
export const eng2: Actor = { id: 'eng-2', role: 'engineer' };
export const sup: Actor = { id: 'sup-eng', role: 'supervisor' };
export const guard: Actor = { id: 'guard-1', role: 'guard' };

export interface Harness {
  records: Records;
  desk: ServiceDesk;
  /** Fake clock in epoch ms; set it, the desk reads it. */
  clock: { t: number };
  events: DeskEvent[];
  at(iso: string): void;
  advance(ms: number): void;
  /** Opens another desk on the same database (a second language, other limits). */
  another(opts: Partial<Parameters<typeof openServiceDesk>[0]>): ServiceDesk;
}

export async function refusal(promise: Promise<unknown>): Promise<RecordsError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RecordsError);
  return err as RecordsError;
}

/** A site with a building, an area, two engineers on shifts, a supervisor per trade, a guard and a manager. */
export async function seedSite(h: Harness, site: string, timezone = 'Asia/Shanghai'): Promise<void> {
  const { records, desk: d } = h;
  await records.addSite({ id: site, name: `Site ${site}`, timezone });
  await records.addBuilding({ site, id: 'B1', name: 'Building 1', floors: 20, basements: 2 });
  await records.addArea({ site, id: 'garage', name: 'Garage' });
  await records.addArea({ site, id: 'lobby', name: 'Lobby', building: 'B1' });
  // Day shift 08:00-20:00 for eng-1, night shift 20:00-08:00 for eng-2, both engineering.
  await d.addShift({ site, staffId: 'eng-1', trade: 'engineering', starts: '08:00', ends: '20:00' });
  await d.addShift({ site, staffId: 'eng-2', trade: 'engineering', starts: '20:00', ends: '08:00' });
  await d.addShift({ site, staffId: 'guard-1', trade: 'security', starts: '00:00', ends: '00:00' });
}

export function serviceSuite(
  name: string,
  setup: () => Promise<{ databaseUrl?: string; dataDir: string; db?: Db }>,
  teardown: () => Promise<void>,
  suites: ((h: () => Harness) => void)[],
): void {
  describe(`service desk on ${name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      const options = await setup();
      const clock = { t: Date.parse('2025-03-10T01:00:00Z') };
      const now = () => clock.t;
      const records = await openRecords({ ...options, log: silent, now });
      const events: DeskEvent[] = [];
      const d = openServiceDesk({ db: records.db, log: silent, now, lang: 'zh-CN' });
      d.onChange((e) => events.push(e));
      h = {
        records,
        desk: d,
        clock,
        events,
        at: (iso) => {
          clock.t = Date.parse(iso);
        },
        advance: (ms) => {
          clock.t += ms;
        },
        another: (opts) => openServiceDesk({ db: records.db, log: silent, now, ...opts }),
      };
      await d.addStaff({ id: 'desk-1', name: '前台小王', roles: ['front_desk'] });
      await d.addStaff({
        id: 'eng-1',
        name: '张工',
        phone: '13800000001',
        roles: ['engineer'],
        trades: ['engineering'],
      });
      await d.addStaff({ id: 'eng-2', name: '李工', roles: ['engineer'], trades: ['engineering'] });
      await d.addStaff({
        id: 'sup-eng',
        name: '工程主管',
        roles: ['supervisor'],
        trades: ['engineering', 'cleaning'],
      });
      await d.addStaff({
        id: 'sup-sec',
        name: '秩序主管',
        roles: ['supervisor'],
        trades: ['security', 'customer_service'],
      });
      await d.addStaff({ id: 'guard-1', name: '保安甲', roles: ['guard'], trades: ['security'] });
      await d.addStaff({ id: 'mgr-1', name: '项目经理', roles: ['manager'] });
    });
    afterAll(async () => {
      await h?.desk.stop();
      await h?.records.close();
      await teardown();
    });
    for (const suite of suites) suite(() => h);
  });
}
