/**
 * The alert rules as shipped: the Prometheus rule file passes promtool and its unit tests (series
 * that fire and series that must not), the Grafana-managed rules are the same definitions, and
 * the estates' SQL rule answers as meant on a real PostgreSQL.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { alertDefinitions, buildDashboards, PROMETHEUS_RULES_PATH } from '../../src/dashboards/index.ts';
import { openRecords, type Records } from '../../src/records/index.ts';
import { type RunningServer, requireBinary, startPostgres, tempDir } from '../support/servers.ts';
import { ALERT_CASES } from './alert-cases.ts';

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, navigated freely in assertions
type Json = Record<string, any>;

const ROOT = new URL('../../dashboards/', import.meta.url).pathname;
const RULES = join(ROOT, PROMETHEUS_RULES_PATH);
const promRules = (parse(readFileSync(RULES, 'utf8')) as Json).groups.flatMap((g: Json) => g.rules) as Json[];
const grafanaRules = ['platform', 'estates'].flatMap(
  (f) =>
    (
      parse(readFileSync(join(ROOT, `provisioning/alerting/facility-monitor-${f}.yaml`), 'utf8')) as Json
    ).groups.flatMap((g: Json) => g.rules) as Json[],
);
const render = (template: string, labels: Record<string, string>) =>
  template.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '');

describe('Prometheus alert rules', () => {
  const promtool = requireBinary('/usr/bin/promtool', 'prometheus');
  const dir = tempDir('alerts');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pass promtool check rules', () => {
    const run = spawnSync(promtool, ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toContain(`SUCCESS: ${promRules.length} rules found`);
    expect(run.status).toBe(0);
  });

  it('have a unit test for every alert', () => {
    expect(ALERT_CASES.map((c) => c.alert).sort()).toEqual(promRules.map((r) => r.alert).sort());
  });

  it('fire on the series they are for, and stay quiet on the others (promtool test rules)', () => {
    const tests = ALERT_CASES.map((c) => {
      const rule = promRules.find((r) => r.alert === c.alert)!;
      const severity = rule.labels.severity as string;
      return {
        name: c.alert,
        interval: '1m',
        input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
        alert_rule_test: [
          ...c.quiet.map((at) => ({ eval_time: `${at}m`, alertname: c.alert, exp_alerts: [] })),
          {
            eval_time: `${c.firing.at}m`,
            alertname: c.alert,
            exp_alerts: c.firing.labels.map((labels) => ({
              exp_labels: { ...labels, severity },
              exp_annotations: Object.fromEntries(
                Object.entries<string>(rule.annotations).map(([k, v]) => [k, render(v, labels)]),
              ),
            })),
          },
        ],
      };
    });
    const file = join(dir, 'alerts.test.yaml');
    writeFileSync(file, stringify({ rule_files: [RULES], evaluation_interval: '1m', tests }));
    const run = spawnSync(promtool, ['test', 'rules', file], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });
});

describe('Grafana-managed alert rules', () => {
  const provisioned = readFileSync(join(ROOT, 'provisioning/datasources/facility-monitor.yaml'), 'utf8');
  const datasources = new Set([...provisioned.matchAll(/^\s+uid: (\S+)$/gm)].map((m) => m[1]));
  const platform = buildDashboards().find((d) => d.dashboard.uid === 'fm-platform-en')!.dashboard as Json;

  it('are every definition, with unique uids Grafana accepts', () => {
    expect(grafanaRules.map((r) => r.title).sort()).toEqual(
      alertDefinitions()
        .map((a) => a.name)
        .sort(),
    );
    const uids = grafanaRules.map((r) => r.uid as string);
    expect(new Set(uids).size).toBe(uids.length);
    for (const uid of uids) expect(uid).toMatch(/^[a-zA-Z0-9-_]{1,40}$/);
  });

  it('run the same query, threshold and duration as the Prometheus rules, on provisioned datasources', () => {
    for (const rule of grafanaRules) {
      const [a, c] = rule.data as [Json, Json];
      expect(rule.condition).toBe(c.refId);
      expect(datasources, rule.title).toContain(a.datasourceUid);
      expect(c).toMatchObject({
        datasourceUid: '__expr__',
        model: { type: 'threshold', expression: a.refId },
      });
      const { type, params } = c.model.conditions[0].evaluator;
      const prom = promRules.find((r) => r.alert === rule.title) as Json;
      if (a.datasourceUid !== 'fm-prometheus') {
        expect(prom, rule.title).toBeUndefined();
        continue;
      }
      expect(a.model).toMatchObject({ instant: true, datasource: { uid: 'fm-prometheus' } });
      expect(`${a.model.expr} ${{ gt: '>', lt: '<' }[type as string]} ${params[0]}`).toBe(prom.expr);
      expect(rule.for).toBe(prom.for ?? '0m');
      expect(rule.labels).toEqual(prom.labels);
      expect(rule.annotations).toEqual(prom.annotations);
      // The panel it links to shows the same thing.
      const panel = (platform.panels as Json[]).find((p) => p.id === rule.panelId);
      expect(panel, rule.title).toBeDefined();
      expect(rule.dashboardUid).toBe('fm-platform-en');
    }
  });
});

describe('docs/dashboards.md', () => {
  it('names every alert and every dashboard', () => {
    const doc = readFileSync(new URL('../../docs/dashboards.md', import.meta.url), 'utf8');
    for (const a of alertDefinitions()) expect(doc).toContain(`| \`${a.name}\` |`);
    for (const { dashboard } of buildDashboards().filter((d) => d.lang === 'zh-CN'))
      expect(doc).toContain(`| \`${dashboard.uid}\` |`);
  });
});

describe("the estates' rule: most of a site's devices offline, on a real PostgreSQL", () => {
  let postgres: RunningServer & { url: string };
  let records: Records;
  const rule = alertDefinitions().find((a) => a.name === 'FacilitySiteMostlyOffline')!;

  beforeAll(async () => {
    postgres = await startPostgres();
    records = await openRecords({
      databaseUrl: postgres.url,
      dataDir: tempDir('alerts-pg'),
      log: pino({ level: 'silent' }),
    });
  }, 60_000);
  afterAll(async () => {
    await records?.close();
    await postgres?.stop();
  });

  /** A device record as rules writes one, only the columns the query reads mattering. */
  async function deviceRecord(
    device: string,
    site: string,
    fault: string,
    state = 'received',
    recovered = false,
  ) {
    await records.db.query(
      `INSERT INTO service_records (site_id, source, type, trade, priority, state, title, content, device_id,
         fault_code, fault_at, recovered_at, received_at, created_at, owner_id, state_since)
       VALUES ($1, 'device', 'repair', 'engineering', 'normal', $2, $3, $3, $4, $5, now(), $6, now(), now(), 'rules', now())`,
      [site, state, `${fault} ${device}`, device, fault, recovered ? new Date() : null],
    );
  }

  it('fires for the estate whose devices are mostly down, counting a storm as down, and not for the others', async () => {
    const sites = { dark: 10, fine: 10, storm: 10 };
    for (const [site, n] of Object.entries(sites)) {
      await records.addSite({ id: site, name: site });
      await records.addDevices(
        Array.from({ length: n }, (_, i) => ({ id: `${site}-${i}`, site, kind: 'lighting' as const })),
      );
    }
    // dark: 6 of 10 offline or silent (one power loss), plus faults that are not "down".
    for (const i of [0, 1, 2, 3]) await deviceRecord(`dark-${i}`, 'dark', 'offline');
    await deviceRecord('dark-4', 'dark', 'heartbeat_lost');
    await deviceRecord('dark-5', 'dark', 'power_loss');
    await deviceRecord('dark-6', 'dark', 'lamps_failed');
    // fine: down before, now recovered or closed; one really down; and two revoked devices down.
    await deviceRecord('fine-0', 'fine', 'offline', 'received', true);
    await deviceRecord('fine-1', 'fine', 'heartbeat_lost', 'closed');
    await deviceRecord('fine-2', 'fine', 'offline');
    // storm: rules raised no records, one open site incident names 7 devices.
    await records.db.query(
      `INSERT INTO site_incidents (site_id, idempotency_key, opened_at, devices) VALUES ('storm', 'storm/1', now(), $1)`,
      [JSON.stringify(Array.from({ length: 7 }, (_, i) => `storm-${i}`))],
    );
    await records.db.query(
      `INSERT INTO site_incidents (site_id, idempotency_key, opened_at, ended_at, devices)
       VALUES ('fine', 'fine/1', now(), now(), $1)`,
      [JSON.stringify(['fine-3', 'fine-4', 'fine-5', 'fine-6', 'fine-7', 'fine-8'])],
    );
    for (const i of [8, 9]) {
      await deviceRecord(`fine-${i}`, 'fine', 'offline');
      await records.revokeDevice(`fine-${i}`);
    }

    const rows = await records.db.query<{ site: string; offline_share: number }>(
      (rule.query as { sql: string }).sql,
    );
    const share = Object.fromEntries(rows.map((r) => [r.site, Number(r.offline_share)]));
    expect(share).toEqual({ dark: 0.6, fine: 0.125, storm: 0.7 });
    const firing = rows.filter((r) => r.offline_share > rule.threshold).map((r) => r.site);
    expect(firing).toEqual(['dark', 'storm']);
  }, 60_000);
});
