/**
 * The planned-work dashboard against real PostgreSQL: every query runs as Grafana's reader over a
 * hand-counted fortnight of maintenance jobs and rounds (planned-seed.ts), and answers what the
 * desk's own statistics (`GET /stats`) and plan calendar answer for the same data and period.
 */
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboards, queriesOf } from '../../src/dashboards/index.ts';
import { openRecords, type Records } from '../../src/records/index.ts';
import type { SiteStats } from '../../src/records/service/index.ts';
import { type RunningServer, startPostgres, tempDir } from '../support/servers.ts';
import { interpolate, type Range, type Resolved } from './grafana.ts';
import { local, type Seeded, SITE, seedPlannedWork } from './planned-seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: generated dashboard JSON, navigated freely in assertions
type Json = Record<string, any>;
type Row = Record<string, string | null>;

const all = buildDashboards();
const planned = all.filter((d) => d.name === 'planned');
const en = planned.find((d) => d.lang === 'en')!.dashboard as Json;
const overview = all.find((d) => d.name === 'overview' && d.lang === 'en')!.dashboard as Json;

describe('the planned-work dashboard over real data, as the reader', () => {
  let postgres: RunningServer & { url: string };
  let records: Records;
  let seeded: Seeded;
  let reader: pg.Client;

  beforeAll(async () => {
    postgres = await startPostgres();
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('CREATE ROLE grafana_reader LOGIN');
    await admin.end();
    // The platform grants the reader its tables when it migrates (src/records/reader.ts).
    records = await openRecords({
      databaseUrl: postgres.url,
      dataDir: tempDir('planned-work'),
      log: pino({ level: 'silent' }),
      now: () => local('2025-03-08', 12),
    });
    seeded = await seedPlannedWork(records);
    const url = new URL(postgres.url);
    url.username = 'grafana_reader';
    reader = new pg.Client({ connectionString: url.href });
    await reader.connect();
  }, 120_000);

  afterAll(async () => {
    await reader?.end();
    await seeded?.desk.stop();
    await records?.close();
    await postgres?.stop();
  });

  const vars = (): Record<string, Resolved> => ({
    site: { values: [SITE], multi: false },
    api: { values: ['http://127.0.0.1:8080'], multi: false },
  });

  async function panel(title: string, range: Range, dashboard = en): Promise<Row[]> {
    const p = (dashboard.panels as Json[]).find((x) => x.title === title);
    expect(p, title).toBeDefined();
    const text = interpolate(p!.targets[0].rawSql, 'sql', vars(), range);
    const res = await reader.query(text);
    return res.rows.map((r: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])),
    );
  }

  const stats = (period: 'day' | 'week' | 'month', date: string) =>
    seeded.desk.stats({ site: SITE, period, date });
  const rangeOf = (s: SiteStats): Range => ({ from: s.from, to: s.to, interval: '1h' });
  /** The panel's percentage is the rate rounded to 0.1, or null over nothing, as the API says. */
  const pct = (r: { rate: number | null }) => (r.rate === null ? null : Math.round(r.rate * 1000) / 10);
  const num = (v: string | null | undefined) => (v === null || v === undefined ? null : Number(v));

  it('runs every query of both languages without error, each answering rows', async () => {
    const week = await stats('week', '2025-03-10');
    const site = await reader.query('SELECT id AS __value, name AS __text FROM sites ORDER BY name');
    expect(site.rows.map((r) => r.__value)).toContain(SITE);
    const queries = planned.flatMap(({ dashboard }) => queriesOf(dashboard as never));
    expect(queries.length).toBeGreaterThan(16);
    for (const q of queries) {
      expect(q.datasource, q.where).toBe('sql');
      const text = interpolate(q.text, 'sql', vars(), rangeOf(week));
      expect(text, q.where).not.toMatch(/\$(?!\$)[a-zA-Z_{]/);
      const res = await reader.query(text);
      expect(res.rows.length, q.where).toBeGreaterThan(0);
    }
  });

  it('shows the hand-counted week, and the figures of the statistics for it', async () => {
    const week = await stats('week', '2025-03-10');
    expect(week.rates.planCompletion).toMatchObject({ numerator: 3, denominator: 5 });
    expect(week.rates.planOnTime).toMatchObject({ numerator: 2, denominator: 5 });
    expect(week.rates.roundCompletion).toMatchObject({ numerator: 14, denominator: 23 });
    expect(week.rates.roundsOnTime).toMatchObject({ numerator: 4, denominator: 8 });
    const range = rangeOf(week);

    expect(await panel('Maintenance jobs by kind of plan', range)).toEqual([
      { plan_kind: 'emergency-lighting-monthly', due: '2', done: '2', overdue: '0', abandoned: '0' },
      { plan_kind: 'lift-half-monthly', due: '2', done: '1', overdue: '0', abandoned: '1' },
      { plan_kind: 'tank-cleaning', due: '1', done: '0', overdue: '1', abandoned: '0' },
    ]);
    expect(await panel('Rounds by route', range)).toEqual([
      { route: 'North patrol', on_time: '3', late: '2', missed: '2' },
      { route: 'Pump rooms', on_time: '1', late: '0', missed: '0' },
    ]);
    expect(await panel('Rounds missed', range)).toEqual([{ missed: '2' }]);

    // Overdue now: the jobs the plan calendar marks overdue.
    const calendar = await seeded.desk.planCalendar(SITE, '2025-03');
    const overdue = calendar.filter((c) => c.overdue).map((c) => String(c.recordId));
    expect(overdue).toHaveLength(1);
    expect((await panel('Overdue maintenance jobs', range)).map((r) => r.id)).toEqual(overdue);
    expect(await panel('Maintenance jobs overdue now', range)).toEqual([{ overdue: '1' }]);

    // Missed and late: the rounds the desk itself reads as missed, late, or with a breached deadline.
    const listed = await seeded.desk.listRounds({ site: SITE });
    const expected: string[] = [];
    for (const r of listed.filter((x) => x.dueAt >= week.from && x.dueAt < week.to)) {
      const detail = await seeded.desk.getRound(r.id);
      if (r.state === 'missed' || r.late || detail.deadlines.some((dl) => dl.breachedAt !== null))
        expected.push(String(r.id));
    }
    expect(expected).toHaveLength(4);
    const table = await panel('Missed and late rounds', range);
    expect(table.map((r) => r.id)).toEqual(expected);
    expect(table.map((r) => [r.outcome, r.points_confirmed, r.points_due])).toEqual([
      ['missed', '0', '3'],
      ['late', '3', '3'],
      ['missed', '0', '3'],
      ['late', '2', '3'],
    ]);
  });

  it('agrees with the statistics for days, a week and a month, edges included', async () => {
    // 11 March: the lift job due at its end; 12 March: the lighting jobs (not the lift job due at
    // its first instant), the pump round and a missed round; the month runs past the fake "now".
    for (const [period, date] of [
      ['day', '2025-03-11'],
      ['day', '2025-03-12'],
      ['week', '2025-03-10'],
      ['week', '2025-03-17'],
      ['month', '2025-03-01'],
    ] as const) {
      const s = await stats(period, date);
      const where = `${period} ${date}`;
      const range = rangeOf(s);
      const [plans] = await panel('Maintenance jobs done, and on time', range);
      expect(num(plans!.completion_pct), where).toBe(pct(s.rates.planCompletion));
      expect(num(plans!.on_time_pct), where).toBe(pct(s.rates.planOnTime));
      const [rounds] = await panel('Round points confirmed, and rounds on time', range);
      expect(num(rounds!.completion_pct), where).toBe(pct(s.rates.roundCompletion));
      expect(num(rounds!.on_time_pct), where).toBe(pct(s.rates.roundsOnTime));
      const kinds = await panel('Maintenance jobs by kind of plan', range);
      const sum = (list: Row[], col: string) => list.reduce((n, r) => n + Number(r[col]), 0);
      expect(sum(kinds, 'due'), where).toBe(s.rates.planCompletion.denominator);
      expect(sum(kinds, 'done'), where).toBe(s.rates.planCompletion.numerator);
      const routes = await panel('Rounds by route', range);
      expect(sum(routes, 'on_time'), where).toBe(s.rates.roundsOnTime.numerator);
      expect(sum(routes, 'on_time') + sum(routes, 'late') + sum(routes, 'missed'), where).toBe(
        s.rates.roundsOnTime.denominator,
      );
    }
  });

  it("shows the overview's equipment intact rate per kind and per zone as the statistics count it", async () => {
    const title = 'Equipment intact rate by kind and by zone';
    const week = await stats('week', '2025-03-10');
    // 336 device-hours per kind and per zone; lift 1 (north) down 2 h, lighting 2 (south) 12 h.
    expect(await panel(title, rangeOf(week), overview)).toEqual([
      { per: 'kind', name: 'lift', intact_pct: '99.40' },
      { per: 'kind', name: 'lighting', intact_pct: '96.43' },
      { per: 'zone', name: 'North', intact_pct: '99.40' },
      { per: 'zone', name: 'South', intact_pct: '96.43' },
    ]);
    const close = (shown: string | null | undefined, rate: number | null, where: string) => {
      expect(rate, where).not.toBeNull();
      expect(Math.abs(Number(shown) - 100 * rate!), where).toBeLessThanOrEqual(0.005 + 1e-9);
    };
    for (const [period, date] of [
      ['week', '2025-03-10'],
      ['day', '2025-03-12'],
      ['day', '2025-03-13'],
      ['day', '2025-03-14'],
    ] as const) {
      const s = await stats(period, date);
      const shown = await panel(title, rangeOf(s), overview);
      const value = (per: string, name: string) =>
        shown.find((r) => r.per === per && r.name === name)?.intact_pct;
      close(value('kind', 'lift'), s.rates.equipmentIntactLift.rate, `${date} lift`);
      close(value('kind', 'lighting'), s.rates.equipmentIntactLighting.rate, `${date} lighting`);
      expect(s.rates.equipmentIntactPump.rate, date).toBeNull(); // no pumps: no row
      expect(shown.filter((r) => r.per === 'kind')).toHaveLength(2);
      for (const zone of ['north', 'south']) {
        const z = await seeded.desk.stats({ site: SITE, period, date, zone });
        close(
          value('zone', zone === 'north' ? 'North' : 'South'),
          z.rates.equipmentIntact.rate,
          `${date} ${zone}`,
        );
      }
    }
  });
});
