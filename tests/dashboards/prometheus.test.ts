/**
 * The platform dashboard and the alert rules against a real Prometheus (Debian's) scraping a
 * running platform's /metrics with a service token: every PromQL query of the dashboard answers
 * with data through Prometheus's HTTP API, names only metrics the platform exposes, and every
 * alert rule loads and evaluates.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { buildDashboards, PROMETHEUS_RULES_PATH, queriesOf, SCRAPE_JOB } from '../../src/dashboards/index.ts';
import { type Platform, startPlatform } from '../../src/platform.ts';
import { LIMIT_NAMES } from '../../src/records/service/clock.ts';
import { type RunningInfluxd, startInfluxd } from '../support/influxd.ts';
import { migratedDataDir } from '../support/store.ts';
import { interpolate, type Range, type Resolved } from './grafana.ts';
import { type RunningPrometheus, startPrometheus } from './prometheus-server.ts';

const RULES = new URL(`../../dashboards/${PROMETHEUS_RULES_PATH}`, import.meta.url).pathname;
const dashboards = buildDashboards().filter((d) => d.name === 'platform');

// biome-ignore lint/suspicious/noExplicitAny: generated dashboard JSON
type Json = Record<string, any>;

interface Sample {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}

describe('the platform dashboard and alert rules on a real Prometheus', () => {
  const dataDir = migratedDataDir('dash-prometheus');
  let influx: RunningInfluxd;
  let platform: Platform;
  let prometheus: RunningPrometheus;
  let token: string;

  async function prom<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const res = await fetch(`${prometheus.url}${path}?${new URLSearchParams(params)}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error}`);
    return body.data;
  }

  beforeAll(async () => {
    influx = await startInfluxd('fm');
    const config = loadConfig({
      FM_DATA_DIR: dataDir,
      FM_MQTT_PORT: '0',
      FM_MQTT_WS_PORT: '0',
      FM_API_PORT: '0',
      FM_LANG: 'en',
      FM_INFLUX_URL: influx.url,
      FM_INFLUX_MODE: 'v1',
      FM_INFLUX_DATABASE: 'fm',
      FM_INGEST_BATCH_LINGER_MS: '200',
    });
    platform = await startPlatform({ config, log: pino({ level: 'silent' }), demo: true });
    // Deadlines of a second, so the breach counter has something to count.
    for (const step of LIMIT_NAMES) await platform.desk.setDeadline({ site: 'demo', step, limitMs: 1000 });
    const admin = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const issued = await fetch(`${platform.api.address}/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'prometheus', label: 'Prometheus scrape', roles: ['service'] }),
    });
    expect(issued.status).toBe(201);
    token = ((await issued.json()) as { token: string }).token;
    prometheus = await startPrometheus({
      job: SCRAPE_JOB,
      target: new URL(platform.api.address).host,
      token,
      ruleFiles: [RULES],
      interval: '1s',
    });
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await platform?.stop();
    await influx?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers every query of the platform dashboard with data, after the estate has run a while', async () => {
    // Once Prometheus scrapes (it applies discovered targets about 5 s after starting), so that the
    // counters rise between two scrapes: a fault through to a record and a patrol alert, a refused
    // connection, a rejected message.
    const target = new URL(platform.api.address).host;
    const scraped = Date.now() + 30_000;
    for (;;) {
      const up = await prom<{ result: Sample[] }>('/api/v1/query', { query: `up{instance="${target}"}` });
      if (up.result[0]?.value?.[1] === '1') break;
      if (Date.now() > scraped) throw new Error(`Prometheus did not scrape ${target} within 30 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(platform.fleet!.inject('L-B1-1', 'entrapment', 'raise')).toBe(true);
    const url = `mqtt://127.0.0.1:${platform.broker.addresses.tcp.port}`;
    const refused = await mqtt
      .connectAsync(url, { clientId: 'P-1', username: 'P-1', password: 'wrong', reconnectPeriod: 0 })
      .catch((err: Error) => err);
    expect(refused).toBeInstanceOf(Error);
    const creds = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as {
      deviceId: string;
      secret: string;
    }[];
    const pump = creds.find((c) => c.deviceId === 'P-1')!;
    const device = await mqtt.connectAsync(url, {
      clientId: 'P-1',
      username: 'P-1',
      password: pump.secret,
      reconnectPeriod: 0,
    });
    await device.publishAsync('fm/demo/pump/P-1/telemetry', '{"seq": 1, "outlet_pressure_mpa": "high"}', {
      qos: 1,
    });
    await device.endAsync();

    const queries = dashboards.flatMap(({ dashboard }) => queriesOf(dashboard as never));
    expect(queries.length).toBeGreaterThan(30);
    expect(queries.every((q) => q.datasource === 'prometheus')).toBe(true);
    let empty: string[] = [];
    const deadline = Date.now() + 90_000;
    do {
      await new Promise((r) => setTimeout(r, 3000));
      const end = Date.now() / 1000;
      const range: Range = {
        from: new Date((end - 300) * 1000),
        to: new Date(end * 1000),
        interval: '5s',
        rateInterval: '10s',
      };
      // The `instance` picker as Grafana fills it on load (label_values is the Prometheus
      // datasource's variable function, answered by the label values API): "All" selected.
      const vars: Record<string, Resolved> = {};
      for (const v of (dashboards[0]!.dashboard as { templating: { list: Json[] } }).templating.list) {
        const [, metric, label] = /^label_values\((\w+), (\w+)\)$/.exec(v.query)!;
        const values = await prom<string[]>(`/api/v1/label/${label}/values`, { 'match[]': metric! });
        expect(values, `$${v.name}`).toContain(target);
        vars[v.name] = { values, multi: v.multi, allValue: v.allValue };
      }
      empty = [];
      for (const q of queries) {
        if (q.where.includes('variable')) continue;
        const expr = interpolate(q.text, 'prometheus', vars, range);
        expect(expr, q.where).not.toMatch(/\$/); // every variable and macro expanded
        const data = await prom<{ result: Sample[] }>('/api/v1/query_range', {
          query: expr,
          start: String(end - 300),
          end: String(end),
          step: '5',
        });
        const points = data.result.flatMap((s) => (s.values ?? []).filter(([, v]) => v !== 'NaN'));
        if (points.length === 0) empty.push(`${q.where}: ${expr}`);
      }
    } while (empty.length > 0 && Date.now() < deadline);
    expect(empty).toEqual([]);

    // The counters that appear only once something happened, read as what happened, not as 0.
    const byLabel = async (expr: string, label: string) =>
      (await prom<{ result: Sample[] }>('/api/v1/query', { query: expr })).result.map((s) => s.metric[label]);
    expect(await byLabel('sum by (reason) (fm_broker_refusals_total)', 'reason')).toContain('bad-secret');
    expect(
      (await byLabel('sum by (reason) (fm_ingest_messages_rejected_total)', 'reason')).length,
    ).toBeGreaterThan(0);
  }, 150_000);

  it('names only metrics the platform exposes', async () => {
    const metrics = await fetch(`${platform.api.address}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((r) => r.text());
    const families = new Set([...metrics.matchAll(/^# TYPE (\w+) (\w+)$/gm)].map((m) => m[1]!));
    const rules = readFileSync(RULES, 'utf8');
    const texts = [
      ...dashboards.flatMap(({ dashboard }) => queriesOf(dashboard as never).map((q) => q.text)),
      rules,
    ];
    const named = new Set(
      texts.flatMap((t) => [...t.matchAll(/\b((?:fm|process|nodejs)_\w+)/g)].map((m) => m[1]!)),
    );
    expect(named.size).toBeGreaterThan(25);
    for (const name of named) {
      const family = name.replace(/_(bucket|sum|count)$/, '');
      expect(families.has(name) || families.has(family), name).toBe(true);
    }
  });

  it('loads every alert rule, evaluates it without error, and fires none on a healthy platform', async () => {
    const deadline = Date.now() + 30_000;
    let rules: { name: string; health: string; lastError?: string; state: string }[] = [];
    for (;;) {
      const data = await prom<{ groups: { rules: typeof rules }[] }>('/api/v1/rules', { type: 'alert' });
      rules = data.groups.flatMap((g) => g.rules);
      if (rules.every((r) => r.health === 'ok') || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const expected = readFileSync(RULES, 'utf8').match(/^ {6}- alert: \w+$/gm)!.length;
    expect(rules.length).toBe(expected);
    for (const r of rules) expect(r, r.name).toMatchObject({ health: 'ok' });
    const targets = await prom<{ activeTargets: { labels: { job: string }; health: string }[] }>(
      '/api/v1/targets',
    );
    expect(targets.activeTargets.find((t) => t.labels.job === SCRAPE_JOB)?.health).toBe('up');
    for (const name of ['FacilityPlatformDown', 'FacilityServiceDown', 'FacilityReadingsLost'])
      expect(rules.find((r) => r.name === name)?.state, name).toBe('inactive');
  });
});
