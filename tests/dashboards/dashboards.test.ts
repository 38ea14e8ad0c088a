import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import {
  buildDashboards,
  DEVICE_KINDS,
  dashboardUid,
  generateDashboards,
  queriesOf,
} from '../../src/dashboards/index.ts';
import { type Platform, startPlatform } from '../../src/platform.ts';
import { PAYLOAD_SCHEMAS } from '../../src/protocol/codec.ts';
import { LIMIT_NAMES } from '../../src/records/service/clock.ts';
import { grafanaLink } from '../../src/rules/evidence.ts';
import { type RunningInfluxd, startInfluxd } from '../support/influxd.ts';
import { type RunningServer, startPostgres, tempDir } from '../support/servers.ts';
import { type Dialect, interpolate, type Range, type Resolved } from './grafana.ts';

const ROOT = new URL('../../dashboards/', import.meta.url).pathname;
const dashboards = buildDashboards();

// biome-ignore lint/suspicious/noExplicitAny: generated dashboard JSON, navigated freely in assertions
type Json = Record<string, any>;

/** The panels of a dashboard, rows left out (they hold no query). */
const panelsOf = (d: Json): Json[] => (d.panels as Json[]).filter((p) => p.type !== 'row');

/** The colour Grafana gives a value: the last step whose value is at or below it. */
function colourAt(steps: { value: number | null; color: string }[], v: number): string {
  let colour = steps[0]!.color;
  for (const s of steps) if (s.value !== null && v >= s.value) colour = s.color;
  return colour;
}

describe('dashboards as code', () => {
  it('are committed exactly as `npm run dashboards` writes them', () => {
    const files = generateDashboards();
    const committed = readdirSync(ROOT, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(ROOT, join(e.parentPath, e.name)))
      .sort();
    expect(committed).toEqual([...files.keys()].sort());
    for (const [path, text] of files) expect(readFileSync(join(ROOT, path), 'utf8'), path).toBe(text);
  });

  it('come in both languages with unique uids and use only the provisioned datasources', () => {
    const provisioning = readFileSync(join(ROOT, 'provisioning/datasources/facility-monitor.yaml'), 'utf8');
    const uids = new Set([...provisioning.matchAll(/^\s+uid: (\S+)$/gm)].map((m) => m[1]));
    expect(uids).toEqual(new Set(['fm-influxdb', 'fm-records', 'fm-prometheus']));
    expect(new Set(dashboards.map((d) => d.dashboard.uid)).size).toBe(dashboards.length);
    for (const { name, lang, dashboard } of dashboards) {
      const json = dashboard as Json;
      const twin = dashboards.find((d) => d.name === name && d.lang !== lang)!.dashboard as Json;
      const titles = (d: Json) => [d.title, ...(d.panels as Json[]).map((p) => p.title)];
      // Same panels, every title translated.
      expect(titles(json).length).toBe(titles(twin).length);
      for (const [i, t] of titles(json).entries()) expect(t, json.uid).not.toBe(titles(twin)[i]);
      for (const p of panelsOf(json)) {
        expect(uids, `${json.uid} ${p.title}`).toContain(p.datasource.uid);
        for (const t of p.targets) expect(uids, `${json.uid} ${p.title}`).toContain(t.datasource.uid);
      }
    }
  });

  it('describe every panel to a newcomer, in each language, and colour every one on purpose', () => {
    for (const { name, lang, dashboard } of dashboards) {
      const twin = dashboards.find((d) => d.name === name && d.lang !== lang)!.dashboard as Json;
      const twinPanels = panelsOf(twin);
      for (const [i, p] of panelsOf(dashboard as Json).entries()) {
        const where = `${dashboard.uid} "${p.title}"`;
        expect(p.description?.length ?? 0, where).toBeGreaterThan(lang === 'en' ? 60 : 20);
        expect(p.description, where).not.toBe(twinPanels[i]!.description);
        // Thresholds chosen for the panel, never Grafana's default (green, red from 80).
        const t = p.fieldConfig?.defaults?.thresholds;
        expect(t?.mode, where).toBe('absolute');
        expect(t.steps[0].value, where).toBeNull();
        expect(
          t.steps.some((s: Json) => s.value === 80 && s.color === 'red'),
          where,
        ).toBe(false);
      }
    }
  });

  it('show zero green where zero is good: failed lamps and disks, open patrol alerts, breaches, spool', () => {
    const zeroGood = new Map([
      ['fm-lighting-en', ['Lamps failed']],
      ['fm-cctv-en', ['Disks failed']],
      ['fm-overview-en', ['Open patrol alerts', 'Open service records']],
      ['fm-desk-en', ['Deadline breaches per hour, by step']],
      ['fm-planned-en', ['Maintenance jobs overdue now', 'Rounds missed']],
      ['fm-platform-en', ['Readings in the spool', 'Rules actions waiting']],
    ]);
    for (const [uid, titles] of zeroGood) {
      const panels = panelsOf(dashboards.find((d) => d.dashboard.uid === uid)!.dashboard as Json);
      for (const title of titles) {
        const steps = panels.find((p) => p.title === title)!.fieldConfig.defaults.thresholds.steps;
        expect(colourAt(steps, 0), `${uid} ${title}`).toBe('green');
        expect(colourAt(steps, 1), `${uid} ${title}`).not.toBe('green');
      }
    }
  });

  it('draw the fault limits where the rules open records, and no red where they do not', () => {
    // Read independently of src/dashboards: the shipped rule file and the MQTT contract.
    const rules = JSON.parse(
      readFileSync(new URL('../../rules/default-rules.json', import.meta.url), 'utf8'),
    );
    let checked = 0;
    for (const [kind, k] of Object.entries<Json>(rules.kinds))
      for (const r of k.rules.filter((r: Json) => r.type === 'threshold')) {
        const panels = panelsOf(
          dashboards.find((d) => d.dashboard.uid === `fm-${kind}-en`)!.dashboard as Json,
        );
        const panel = panels.find((p) =>
          new RegExp(`\\("${r.field}"\\) FROM "${kind}"`).test(p.targets[0].query),
        );
        expect(panel, `${kind}.${r.field}`).toBeDefined();
        const steps = panel!.fieldConfig.defaults.thresholds.steps;
        expect(panel!.fieldConfig.defaults.custom.thresholdsStyle.mode, `${kind}.${r.field}`).toBe(
          'line+area',
        );
        const integer = (PAYLOAD_SCHEMAS as Json)[kind].telemetry.shape[r.field].isInt === true;
        const next = (v: number) => (integer ? v + 1 : v + Math.abs(v) * 1e-9);
        if (r.below !== undefined) {
          expect(colourAt(steps, r.below), `${kind}.${r.field} at ${r.below}`).toBe('green');
          expect(colourAt(steps, r.below - 1e-9), `${kind}.${r.field} below ${r.below}`).toBe('red');
        } else {
          expect(colourAt(steps, r.above), `${kind}.${r.field} at ${r.above}`).toBe('green');
          expect(colourAt(steps, next(r.above)), `${kind}.${r.field} above ${r.above}`).toBe('red');
        }
        expect(panel!.description, `${kind}.${r.field}`).toContain(String(r.below ?? r.above));
        checked++;
      }
    expect(checked).toBeGreaterThan(8);
  });

  it("link device records' evidence to the kind's dashboard, its variables and the fault's time", () => {
    const at = Date.parse('2026-11-23T08:00:00Z');
    for (const lang of ['zh-CN', 'en'] as const)
      for (const kind of DEVICE_KINDS) {
        const url = new URL(grafanaLink('https://grafana.example/', kind, 'demo', 'X-1', at, lang));
        const uid = url.pathname.replace('/d/', '');
        const target = dashboards.find((d) => d.dashboard.uid === uid);
        expect(target, url.href).toMatchObject({ lang, name: kind });
        const names = ((target!.dashboard as Json).templating.list as Json[]).map((v) => v.name);
        for (const p of url.searchParams.keys())
          if (p.startsWith('var-')) expect(names).toContain(p.slice(4));
        expect(Number(url.searchParams.get('from'))).toBeLessThan(at);
        expect(Number(url.searchParams.get('to'))).toBeGreaterThan(at);
        expect(dashboardUid(kind, lang)).toBe(uid);
      }
  });
});

/** The estate fed by its simulated fleet into real InfluxDB and PostgreSQL, as in production. */
describe('every panel, variable and annotation query against real data', () => {
  const dataDir = tempDir('dashboards');
  let influx: RunningInfluxd;
  let postgres: RunningServer & { url: string };
  let platform: Platform;
  let db: pg.Client;

  beforeAll(async () => {
    [influx, postgres] = await Promise.all([startInfluxd('fm'), startPostgres()]);
    // Grafana's login, as deploy/postgres/10-roles.sql makes it: the platform grants it the
    // reporting tables at start, and every query below runs as it, as in Grafana.
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('CREATE ROLE grafana_reader LOGIN');
    await admin.end();
    const config = loadConfig({
      FM_DATA_DIR: dataDir,
      FM_MQTT_PORT: '0',
      FM_MQTT_WS_PORT: '0',
      FM_API_PORT: '0',
      FM_LANG: 'en',
      DATABASE_URL: postgres.url,
      FM_INFLUX_URL: influx.url,
      FM_INFLUX_MODE: 'v1',
      FM_INFLUX_DATABASE: 'fm',
      FM_INGEST_BATCH_LINGER_MS: '200',
    });
    platform = await startPlatform({ config, log: pino({ level: 'silent' }), demo: true });
    // Deadlines of a second, so the desk's breach panels have something to show within the test.
    for (const step of LIMIT_NAMES) await platform.desk.setDeadline({ site: 'demo', step, limitMs: 1000 });
    const reader = new URL(postgres.url);
    reader.username = 'grafana_reader';
    db = new pg.Client({ connectionString: reader.href });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await platform?.stop();
    await Promise.all([influx?.stop(), postgres?.stop()]);
  });

  async function run(dialect: Dialect, text: string): Promise<{ rows: string[][]; error?: string }> {
    if (dialect === 'sql') {
      try {
        const res = await db.query({ text, rowMode: 'array' });
        return { rows: res.rows.map((r: unknown[]) => r.map(String)) };
      } catch (err) {
        return { rows: [], error: (err as Error).message };
      }
    }
    const res = await fetch(`${influx.url}/query?${new URLSearchParams({ db: 'fm', epoch: 'ms', q: text })}`);
    const body = (await res.json()) as { results?: { error?: string; series?: { values: unknown[][] }[] }[] };
    const result = body.results?.[0];
    if (!res.ok || result?.error) return { rows: [], error: result?.error ?? `HTTP ${res.status}` };
    return { rows: (result?.series ?? []).flatMap((s) => s.values.map((v) => v.map(String))) };
  }

  /** The dashboard's variables as Grafana resolves them on load: estate `demo`, everything else "All". */
  async function resolve(dashboard: Json, range: Range): Promise<Record<string, Resolved>> {
    const vars: Record<string, Resolved> = {};
    for (const v of dashboard.templating.list as Json[]) {
      if (v.type === 'textbox') {
        vars[v.name] = { values: [v.query], multi: false };
        continue;
      }
      const dialect: Dialect = v.datasource.uid === 'fm-records' ? 'sql' : 'influxdb';
      const { rows, error } = await run(dialect, interpolate(v.query, dialect, vars, range));
      expect(error, `${dashboard.uid} $${v.name}`).toBeUndefined();
      // SHOW TAG VALUES answers (key, value); SQL variables answer __value first.
      const values = rows.map((r) => (dialect === 'influxdb' ? r[1]! : r[0]!));
      if (v.name === 'site') {
        expect(values).toContain('demo');
        vars.site = { values: ['demo'], multi: false };
      } else vars[v.name] = { values, multi: Boolean(v.multi), allValue: v.allValue || undefined };
    }
    return vars;
  }

  it('returns at least one series or row for each, after the estate has run a while', async () => {
    // A fault of each kind, so the records, alerts, breaches and annotations panels have data.
    for (const [device, fault] of [
      ['L-B1-1', 'entrapment'],
      ['P-1', 'pump_fault'],
      ['LC-B1-STAIR', 'circuit_trip'],
      ['NVR-GATE', 'video_loss'],
    ] as const)
      expect(platform.fleet!.inject(device, fault, 'raise'), device).toBe(true);

    // The platform dashboard queries Prometheus: tests/dashboards/prometheus.test.ts runs it.
    const queries = dashboards
      .filter(({ name }) => name !== 'platform')
      .flatMap(({ name, dashboard }) => queriesOf(dashboard as never).map((q) => ({ q, name, dashboard })));
    expect(queries.every(({ q }) => q.datasource !== 'prometheus')).toBe(true);
    expect(queries.length).toBeGreaterThan(60);
    let empty: string[] = [];
    const deadline = Date.now() + 120_000;
    do {
      await new Promise((r) => setTimeout(r, 3000));
      const range: Range = {
        from: new Date(Date.now() - 3600_000),
        to: new Date(Date.now() + 60_000),
        interval: '10s',
      };
      const resolved = new Map<string, Record<string, Resolved>>();
      empty = [];
      for (const { q, name, dashboard } of queries) {
        const json = dashboard as Json;
        if (!resolved.has(json.uid)) resolved.set(json.uid, await resolve(json, range));
        const text = interpolate(q.text, q.datasource, resolved.get(json.uid)!, range);
        expect(text, q.where).not.toMatch(/\$(?!\$)[a-zA-Z_{]/); // every variable and macro expanded
        const { rows, error } = await run(q.datasource, text);
        expect(error, `${q.where}: ${text}`).toBeUndefined();
        // A demo estate that just started has no job due and few rounds: planned-work.test.ts runs
        // the planned-work queries over a fortnight of them and checks their values.
        if (rows.length === 0 && name !== 'planned') empty.push(q.where);
      }
    } while (empty.length > 0 && Date.now() < deadline);
    expect(empty).toEqual([]);
  }, 240_000);
});
