/**
 * The deployment files cannot be started here (no Docker engine, no Grafana), so their settings are
 * checked against the code that they configure.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultConfig, loadConfig, settings } from '../../src/config.ts';
import { GRAFANA_DASHBOARDS_PATH } from '../../src/dashboards/index.ts';

const repo = (path: string) => new URL(`../../${path}`, import.meta.url).pathname;
const read = (path: string) => readFileSync(repo(path), 'utf8');

interface Service {
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
}
const compose = parse(read('deploy/compose.yaml')) as { services: Record<string, Service> };
const { platform, grafana } = compose.services as Record<'platform' | 'grafana', Service>;

/** KEY=value lines of an env file (comments and blanks skipped). */
function envFile(path: string): Map<string, string> {
  return new Map(
    read(path)
      .split('\n')
      .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

const isPlatformSetting = (name: string) => /^(FM_|FACILITY_|DATABASE_URL$)/.test(name);

describe('deploy/', () => {
  it('compose takes every variable it interpolates from .env.example', () => {
    const example = envFile('deploy/.env.example');
    const used = [...read('deploy/compose.yaml').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(5);
    for (const name of used) expect(example.has(name), name).toBe(true);
  });

  it("gives the platform only settings that exist, with values the platform's config accepts", () => {
    const known = new Set(Object.keys(settings));
    const systemd = envFile('deploy/systemd/facility.env.example');
    for (const name of [...Object.keys(platform.environment!), ...systemd.keys()].filter(isPlatformSetting))
      expect(known, name).toContain(name);
    // Concrete values (not ${...} placeholders or empty secrets) parse.
    const concrete = (m: Iterable<[string, string]>) =>
      Object.fromEntries([...m].filter(([k, v]) => isPlatformSetting(k) && v !== '' && !v.includes('${')));
    expect(() => loadConfig(concrete(Object.entries(platform.environment!)))).not.toThrow();
    expect(() => loadConfig(concrete(systemd))).not.toThrow();
  });

  it('publishes the default ports of the platform, every one on loopback only', () => {
    const d = defaultConfig();
    const published = platform.ports!.map((p) => p.split(':'));
    expect(published.map(([, host, container]) => [Number(host), Number(container)])).toEqual(
      [d.FM_MQTT_PORT, d.FM_MQTT_WS_PORT, d.FM_API_PORT].map((p) => [p, p]),
    );
    for (const [name, s] of Object.entries(compose.services))
      for (const p of s.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('mounts the generated dashboards where the provisioning points and gives Grafana every datasource variable', () => {
    expect(grafana.volumes).toContain('../dashboards/provisioning:/etc/grafana/provisioning:ro');
    expect(grafana.volumes).toContain(`../dashboards/json:${GRAFANA_DASHBOARDS_PATH}:ro`);
    expect(existsSync(repo('dashboards/provisioning/datasources'))).toBe(true);
    const provider = read('dashboards/provisioning/dashboards/facility-monitor.yaml');
    expect(parse(provider).providers[0].options.path).toBe(GRAFANA_DASHBOARDS_PATH);
    const wanted = [
      ...read('dashboards/provisioning/datasources/facility-monitor.yaml').matchAll(/\$([A-Z_]+)/g),
    ].map((m) => m[1]!);
    expect(wanted.length).toBeGreaterThan(5);
    const hostEnv = envFile('deploy/systemd/grafana.env.example');
    for (const name of wanted) {
      expect(Object.keys(grafana.environment!), name).toContain(name);
      expect(hostEnv.has(name), name).toBe(true);
    }
  });

  it('runs the platform from the paths the image and the unit provide', () => {
    const unit = read('deploy/systemd/facility-monitor.service');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/facility-monitor\/bin\/facility\.js start$/m);
    expect(unit).toMatch(/^StateDirectory=facility-monitor$/m);
    expect(unit).toMatch(/FM_DATA_DIR=\/var\/lib\/facility-monitor/);
    expect(existsSync(repo('bin/facility.js'))).toBe(true);
    // The image holds what `facility start` reads at run time.
    const dockerfile = read('deploy/Dockerfile');
    for (const dir of ['bin', 'src', 'rules']) expect(dockerfile).toContain(`COPY ${dir} ./${dir}`);
  });

  it('documents every published port', () => {
    const doc = read('docs/deploy.md');
    for (const s of Object.values(compose.services))
      for (const p of s.ports ?? []) expect(doc).toContain(`| ${p.split(':')[1]} |`);
  });
});
