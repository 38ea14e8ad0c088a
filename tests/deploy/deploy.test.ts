/**
 * deploy/ cannot be started here (no Docker engine, no Grafana, no systemd as PID 1), so its files
 * are checked against what they configure: the platform's settings table, the Grafana contract of
 * src/dashboards, and a real PostgreSQL for the roles script.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { defaultConfig, loadConfig, RENAMED, settings } from '../../src/config.ts';
import { SCRAPE_JOB } from '../../src/dashboards/alerts.ts';
import { openRecords, REPORTING_TABLES } from '../../src/records/index.ts';
import { type RunningServer, requireBinary, startPostgres, tempDir } from '../support/servers.ts';

/**
 * The Grafana contract, agreed with src/dashboards (which writes dashboards/): where Grafana finds
 * the generated files, and the variables its datasource provisioning expands.
 */
const GRAFANA = {
  provisioning: { repo: 'dashboards/provisioning', mount: '/etc/grafana/provisioning' },
  dashboards: { repo: 'dashboards/json', mount: '/var/lib/grafana/dashboards/facility-monitor' },
  datasourceVariables: [
    'FM_INFLUX_URL',
    'FM_INFLUX_DATABASE',
    'FM_INFLUX_USER',
    'FM_INFLUX_PASSWORD',
    'FM_GRAFANA_PG_HOST',
    'FM_GRAFANA_PG_DATABASE',
    'FM_GRAFANA_PG_USER',
    'FM_GRAFANA_PG_PASSWORD',
    'FM_GRAFANA_PG_SSLMODE',
    'FM_PROMETHEUS_URL',
  ],
} as const;

const repo = (path: string) => new URL(`../../${path}`, import.meta.url).pathname;
const read = (path: string) => readFileSync(repo(path), 'utf8');

interface Service {
  environment?: Record<string, string>;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
}
const composeText = read('deploy/compose.yaml');
const compose = parse(composeText) as { services: Record<string, Service> };
const platform = compose.services.platform!;
const grafana = compose.services.grafana!;
const prometheus = compose.services.prometheus!;
const doc = read('docs/deploy.md');
const unit = read('deploy/systemd/facility-monitor.service');

/** KEY=value lines of an env file; `#KEY=value` (a commented example) counts too. */
function envFile(path: string): Map<string, string> {
  return new Map(
    read(path)
      .split('\n')
      .map((l) => l.replace(/^#/, ''))
      .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

const isPlatformSetting = (name: string) => /^(FM_|FACILITY_|DATABASE_URL$)/.test(name);
const known = new Set<string>(Object.keys(settings));
const seconds = (text: string) => Number(/^(\d+)s?$/.exec(text)?.[1]);

describe('deploy/compose.yaml', () => {
  it('interpolates only variables of .env.example, and .env.example holds nothing unused', () => {
    const used = new Set([...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!));
    const example = envFile('deploy/.env.example');
    expect(used.size).toBeGreaterThan(8);
    expect([...used].filter((v) => !example.has(v))).toEqual([]);
    expect([...example.keys()].filter((v) => !used.has(v))).toEqual([]);
    // A name that looks like a platform setting must be one.
    expect([...example.keys()].filter((v) => isPlatformSetting(v) && !known.has(v))).toEqual([]);
  });

  it("gives the platform only real settings, with values the platform's config accepts", () => {
    const env = Object.entries(platform.environment!);
    expect(env.map(([k]) => k).filter((k) => !known.has(k))).toEqual([]);
    const concrete = Object.fromEntries(env.filter(([, v]) => !v.includes('${')));
    expect(() => loadConfig(concrete)).not.toThrow();
    // The operator's compose file, not a server this test starts: inside the container the platform
    // must accept connections from Docker's bridge; the host publishes them on 127.0.0.1 only (below).
    expect(concrete.FM_MQTT_HOST).toBe('0.0.0.0');
    expect(concrete.FM_API_HOST).toBe('0.0.0.0');
  });

  it("publishes the platform's default ports, and every port of the stack on loopback only", () => {
    const d = defaultConfig();
    expect(platform.ports!.map((p) => p.split(':').slice(1).map(Number))).toEqual(
      [d.FM_MQTT_PORT, d.FM_MQTT_WS_PORT, d.FM_API_PORT].map((p) => [p, p]),
    );
    for (const [name, s] of Object.entries(compose.services))
      for (const p of s.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('gives every service a healthcheck, as docs/deploy.md promises them all healthy', () => {
    const names = Object.keys(compose.services);
    expect(names.filter((n) => !compose.services[n]!.healthcheck?.test?.length)).toEqual([]);
    expect(doc).toContain(
      `all ${['one', 'two', 'three', 'four', 'five', 'six', 'seven'][names.length - 1]} "healthy"`,
    );
  });

  it('gives the platform more time to stop than the API grace it waits for', () => {
    expect(seconds(platform.stop_grace_period!)).toBeGreaterThan(defaultConfig().FM_API_SHUTDOWN_GRACE_S);
  });

  it("mounts the generated files where Grafana's provisioning points, and sets every datasource variable", () => {
    expect(grafana.volumes).toContain(`../${GRAFANA.provisioning.repo}:${GRAFANA.provisioning.mount}:ro`);
    expect(grafana.volumes).toContain(`../${GRAFANA.dashboards.repo}:${GRAFANA.dashboards.mount}:ro`);
    const env = grafana.environment!;
    for (const name of GRAFANA.datasourceVariables) expect(env[name], name).toBeTruthy();
    // Grafana reads with its own roles, never the platform's.
    expect(env.FM_GRAFANA_PG_USER).toBe('grafana_reader');
    expect(env.FM_INFLUX_USER).not.toBe(platform.environment!.FM_INFLUX_USER);
  });

  const provisioning = repo(GRAFANA.provisioning.repo);
  it.skipIf(!existsSync(provisioning))(
    'matches the provisioning files src/dashboards wrote (skipped while dashboards/provisioning is absent)',
    () => {
      const datasources = read(`${GRAFANA.provisioning.repo}/datasources/facility-monitor.yaml`);
      const wanted = new Set([...datasources.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!));
      expect([...wanted].sort()).toEqual([...GRAFANA.datasourceVariables].sort());
      const provider = parse(read(`${GRAFANA.provisioning.repo}/dashboards/facility-monitor.yaml`));
      expect(provider.providers[0].options.path).toBe(GRAFANA.dashboards.mount);
    },
  );

  it("gives Prometheus the generated alert rules and a scrape of the platform's /metrics promtool accepts", () => {
    // The rules written by src/dashboards, mounted where the config's rule_files look.
    const rules = prometheus.volumes!.find((v) => v.startsWith('../dashboards/prometheus:'))!;
    expect(rules).toMatch(/:ro$/);
    const rulesDir = rules.split(':')[1]!;
    const configMount = prometheus.volumes!.find((v) => v.startsWith('./prometheus:'))!.split(':')[1]!;
    const command = prometheus.command!.join(' ');
    const configPath = /--config\.file=(\S+)/.exec(command)![1]!;
    expect(configPath).toBe(`${configMount}/prometheus.yml`);
    const config = parse(read('deploy/prometheus/prometheus.yml'));
    expect(config.rule_files).toEqual([`${rulesDir}/*.yaml`]);
    const job = config.scrape_configs[0];
    expect(job.job_name).toBe(SCRAPE_JOB);
    expect(job.static_configs[0].targets).toEqual([`platform:${defaultConfig().FM_API_PORT}`]);
    // The token file is the one the entrypoint writes, from a variable of .env.example.
    expect(command).toContain(`> ${job.authorization.credentials_file}`);
    expect(prometheus.environment!.METRICS_TOKEN).toMatch(/^\$\{METRICS_TOKEN:-\}$/);
    expect(grafana.environment!.FM_PROMETHEUS_URL).toBe('http://prometheus:9090');
    // promtool checks the config and the rule files it loads; the container paths point into a
    // temporary copy, since they exist only inside the container.
    const dir = tempDir('deploy-prometheus');
    writeFileSync(join(dir, 'token'), 'x');
    job.authorization.credentials_file = join(dir, 'token');
    config.rule_files = [join(repo('dashboards/prometheus'), '*.yaml')];
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const promtool = requireBinary('/usr/bin/promtool', 'prometheus');
    const check = spawnSync(promtool, ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toMatch(/SUCCESS: \d+ rules found/);
    expect(check.status).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds an image holding what `facility start` reads at run time', () => {
    const dockerfile = read('deploy/Dockerfile');
    const [build, image] = dockerfile.split(/^FROM /m).slice(1) as [string, string];
    expect(build).toMatch(/^node:22-bookworm-slim AS build$/m);
    expect(image).toMatch(/^node:22-bookworm-slim$/m);
    // The build stage compiles src/ with the dev dependencies, then keeps only the runtime ones.
    expect(build).toContain('COPY src ./src');
    expect(build).toContain('npm run build && npm prune --omit=dev');
    expect(image).toContain('COPY --from=build /opt/facility-monitor/dist ./dist');
    expect(image).toContain('COPY --from=build /opt/facility-monitor/node_modules ./node_modules');
    for (const dir of ['bin', 'rules']) expect(image).toContain(`COPY ${dir} ./${dir}`);
    for (const path of ['bin', 'src', 'rules', 'scripts', 'tsconfig.build.json'])
      expect(read('.dockerignore').split('\n'), path).not.toContain(path);
    // tsx only for development: the image runs dist/, and `npm ci` builds it (prepare).
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.dependencies).not.toHaveProperty('tsx');
    expect(pkg.devDependencies).toHaveProperty('tsx');
    expect(pkg.scripts.prepare).toBe(pkg.scripts.build);
  });
});

describe('deploy/systemd', () => {
  it('runs the CLI from the documented paths, with its state directory as FM_DATA_DIR', () => {
    const exec = /^ExecStart=\/usr\/bin\/node (\/opt\/facility-monitor)\/(bin\/facility\.js) start$/m.exec(
      unit,
    );
    expect(exec).not.toBeNull();
    expect(existsSync(repo(exec![2]!))).toBe(true);
    const envPath = /^EnvironmentFile=(.+)$/m.exec(unit)?.[1];
    expect(envPath).toBe('/etc/facility-monitor/facility.env');
    expect(doc).toContain(exec![1]);
    expect(doc).toContain(envPath);
    expect(unit).toMatch(/^StateDirectory=facility-monitor$/m);
    expect(unit).toMatch(/^Environment=.*\bFM_DATA_DIR=\/var\/lib\/facility-monitor\b/m);
    expect(unit).toMatch(/^ReadWritePaths=\/var\/lib\/facility-monitor$/m);
    for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes'])
      expect(unit).toMatch(new RegExp(`^${line}$`, 'm'));
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1])).toBeGreaterThan(
      defaultConfig().FM_API_SHUTDOWN_GRACE_S,
    );
  });

  it("sets only real settings in facility.env, with values the platform's config accepts", () => {
    const env = envFile('deploy/systemd/facility.env.example');
    expect([...env.keys()].filter((k) => !known.has(k))).toEqual([]);
    const concrete = Object.fromEntries(
      [...env].filter(([k, v]) => v !== '' && !k.startsWith('FM_MQTT_TLS')),
    );
    expect(() => loadConfig(concrete)).not.toThrow();
  });

  it("gives Grafana's unit every datasource variable through the drop-in", () => {
    const dropIn = read('deploy/systemd/grafana-server.service.d/facility-monitor.conf');
    const path = /^EnvironmentFile=(.+)$/m.exec(dropIn)?.[1];
    expect(path).toBe('/etc/facility-monitor/grafana.env');
    expect(doc).toContain(path);
    const env = envFile('deploy/systemd/grafana.env.example');
    expect([...env.keys()].sort()).toEqual([...GRAFANA.datasourceVariables].sort());
  });
});

describe('docs/deploy.md', () => {
  it("lists every published port and the platform's TLS port in its ports table", () => {
    const ports = Object.values(compose.services).flatMap((s) =>
      (s.ports ?? []).map((p) => p.split(':')[1]!),
    );
    for (const port of [...ports, String(defaultConfig().FM_MQTT_TLS_PORT)])
      expect(doc, port).toMatch(new RegExp(`^\\| ${port} \\|`, 'm'));
  });

  it('installs the Debian package of every database command its host steps run', () => {
    // What `dpkg -S` answers on Debian 12: `influx` is not in `influxdb` but in `influxdb-client`;
    // `postgresql` pulls in its client.
    const packageOf: Record<string, string> = {
      influx: 'influxdb-client',
      influxd: 'influxdb',
      psql: 'postgresql',
      createdb: 'postgresql',
    };
    const host = doc.slice(doc.indexOf('## On a host'), doc.indexOf('## Grafana in three steps'));
    const installed = new Set(
      [...host.matchAll(/apt-get install ([a-z0-9 .+-]+)/g)].flatMap((m) => m[1]!.trim().split(/\s+/)),
    );
    const run = Object.keys(packageOf).filter((cmd) =>
      new RegExp(`^\\s*(?:sudo [^\\n]*?)?${cmd} `, 'm').test(host),
    );
    expect(run).toEqual(['influx', 'influxd', 'psql', 'createdb']);
    for (const cmd of run) expect(installed, cmd).toContain(packageOf[cmd]);
  });

  it('names only settings that exist (or the datasource variables of the contract)', () => {
    const names = new Set(
      [...doc.matchAll(/\b((?:FM|FACILITY)_[A-Z0-9_]+|DATABASE_URL)\b/g)].map((m) => m[1]!),
    );
    const contract = new Set<string>(GRAFANA.datasourceVariables);
    // An old name of a renamed setting may be named (the upgrade notes do), as it is still read.
    const old = new Set(Object.keys(RENAMED));
    // `FM_MOSQUITTO_*` names a family: it must be the prefix of settings that exist.
    const family = (n: string) => n.endsWith('_') && [...known].some((k) => k.startsWith(n));
    expect(
      [...names].filter(
        (n) => isPlatformSetting(n) && !known.has(n) && !contract.has(n) && !old.has(n) && !family(n),
      ),
    ).toEqual([]);
  });
});

describe('deploy/postgres/10-roles.sql on a real PostgreSQL', () => {
  const psql = '/usr/lib/postgresql/15/bin/psql';
  const passwords = { RECORDS_DB_PASSWORD: 'f'.repeat(32), GRAFANA_READER_PASSWORD: 'r'.repeat(32) };
  let server: RunningServer & { url: string };
  const url = (user: string, db = 'facility') => `postgres://${user}@127.0.0.1:${server.port}/${db}`;
  const runScript = (env: Record<string, string>) =>
    spawnSync(
      psql,
      ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url('fm'), '-f', repo('deploy/postgres/10-roles.sql')],
      {
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
      },
    );

  beforeAll(async () => {
    requireBinary(psql, 'postgresql');
    server = await startPostgres();
    execFileSync(psql, ['-X', '-q', '-d', server.url, '-c', 'CREATE DATABASE facility']);
  });
  afterAll(async () => server?.stop());

  it('refuses to run without both passwords', () => {
    const run = runScript({ RECORDS_DB_PASSWORD: passwords.RECORDS_DB_PASSWORD });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('GRAFANA_READER_PASSWORD');
  });

  it("lets the platform migrate as facility, and Grafana read only the reporting tables, without secrets or residents' contacts", async () => {
    const run = runScript(passwords);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // The platform's first start, as in compose: the migrations create the tables as facility, and
    // give the reader what the dashboards read (src/records/reader.ts).
    const records = await openRecords({
      databaseUrl: url('facility'),
      dataDir: tempDir('deploy-records'),
      log: pino({ level: 'silent' }),
    });
    await records.close();

    const reader = new pg.Client({ connectionString: url('grafana_reader') });
    await reader.connect();
    try {
      const { rows } = await reader.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v')
            AND (has_table_privilege(c.oid, 'SELECT') OR has_any_column_privilege(c.oid, 'SELECT'))`,
      );
      expect(rows.map((r) => r.name).sort()).toEqual(Object.keys(REPORTING_TABLES).sort());
      await expect(reader.query('SELECT id, state, device_id FROM service_records')).resolves.toBeTruthy();
      await expect(reader.query('SELECT id, kind, site_id FROM devices')).resolves.toBeTruthy();
      await expect(
        reader.query('SELECT id, route_id, name, active FROM round_checkpoints'),
      ).resolves.toBeTruthy();
      await expect(reader.query('SELECT id, round_id, state FROM round_points')).resolves.toBeTruthy();
      for (const secret of [
        'SELECT contact_phone FROM service_records',
        'SELECT content FROM service_records',
        'SELECT secret_hash FROM devices',
        'SELECT broker_hash FROM devices',
        'SELECT * FROM devices',
        'SELECT password_hash FROM console_logins',
        'SELECT token_hash FROM api_tokens',
        'SELECT phone FROM staff',
        // A checkpoint's code proves presence; a point's note is free text.
        'SELECT code FROM round_checkpoints',
        'SELECT * FROM round_checkpoints',
        'SELECT note FROM round_points',
      ])
        await expect(reader.query(secret), secret).rejects.toThrow(/permission denied/);
      await expect(reader.query("DELETE FROM sites WHERE id = 'x'")).rejects.toThrow(/read-only/);
      await reader.query('SET default_transaction_read_only = off');
      await expect(reader.query("DELETE FROM sites WHERE id = 'x'")).rejects.toThrow(/permission denied/);
      const roles = await reader.query<{ rolname: string; rolsuper: boolean }>(
        "SELECT rolname, rolsuper FROM pg_roles WHERE rolname IN ('facility', 'grafana_reader')",
      );
      expect(roles.rows.filter((r) => r.rolsuper)).toEqual([]);
      expect(roles.rows).toHaveLength(2);
    } finally {
      await reader.end();
    }
  });

  it('takes back what an earlier version granted the reader (every table, now and later)', async () => {
    const owner = new pg.Client({ connectionString: url('facility') });
    await owner.connect();
    try {
      await owner.query('GRANT SELECT ON ALL TABLES IN SCHEMA public TO grafana_reader');
      await owner.query('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO grafana_reader');
      const records = await openRecords({
        databaseUrl: url('facility'),
        dataDir: tempDir('deploy-records'),
        log: pino({ level: 'silent' }),
      });
      await records.close();
      await owner.query('CREATE TABLE later_table (x int)');
      const { rows } = await owner.query<{ logins: boolean; later: boolean; phone: boolean }>(
        `SELECT has_table_privilege('grafana_reader', 'console_logins', 'SELECT') AS logins,
                has_table_privilege('grafana_reader', 'later_table', 'SELECT') AS later,
                has_column_privilege('grafana_reader', 'service_records', 'contact_phone', 'SELECT') AS phone`,
      );
      expect(rows[0]).toEqual({ logins: false, later: false, phone: false });
      await owner.query('DROP TABLE later_table');
    } finally {
      await owner.end();
    }
  });
});
