/**
 * deploy/ha/: the two-node layout's compose file, HAProxy config and systemd units, checked against
 * what they configure (no Docker engine, HAProxy or systemd as PID 1 here): every setting exists and
 * parses in the process it is given to, every `--only` names real services that can run with those
 * settings, the ports HAProxy sends to are the ones the platform's processes listen on, nothing is
 * published on every interface, and `systemd-analyze verify` accepts each unit.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, settings } from '../../src/config.ts';
import { parseServices, selectionProblem } from '../../src/services.ts';
import { tempDir } from '../support/servers.ts';

const repo = (path: string) => new URL(`../../${path}`, import.meta.url).pathname;
const read = (path: string) => readFileSync(repo(path), 'utf8');
const known = new Set<string>(Object.keys(settings));
const isPlatformSetting = (name: string) => /^(FM_|FACILITY_|DATABASE_URL$)/.test(name);

/** KEY=value lines of an env file. */
function envFile(path: string): Map<string, string> {
  return new Map(
    read(path)
      .split('\n')
      .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  profiles?: string[];
  healthcheck?: { test: string[] };
}
const composeText = read('deploy/ha/compose.yaml');
// The file shares the platform's settings with YAML merge keys (`<<: *settings`), as compose reads them.
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };
const services = Object.entries(compose.services);
const example = envFile('deploy/ha/node.env.example');
/** A value as compose interpolates it with the example's values (secrets, empty there, made up). */
const interpolate = (value: string) =>
  value
    .replace(
      /\$\{([A-Z_][A-Z0-9_]*)(?::([?-])([^}]*))?\}/g,
      (_, name: string, op?: string, rest?: string) => {
        const given = example.get(name);
        if (given) return given;
        return op === '-' ? rest! : `${name.toLowerCase()}-0123456789abcdef0123456789`;
      },
    )
    .replaceAll('$$', '$');
/** The platform's processes: the services that run `facility start --only ...`. */
const platform = services.filter(([, s]) => s.command?.includes('--only'));
const onlyOf = (s: Service) => s.command![s.command!.indexOf('--only') + 1]!;
const haproxy = read('deploy/ha/haproxy.cfg');
/** The ports a backend of haproxy.cfg sends to, each server's. */
const backendPorts = (backend: string) => {
  const block = haproxy.split(/^backend /m).find((b) => b.startsWith(`${backend}\n`))!;
  return [...block.matchAll(/^\s+server (\S+) "\$\{(NODE_[AB]_ADDR)\}:(\d+)"/gm)].map((m) => [
    m[1],
    m[2],
    Number(m[3]),
  ]);
};
/** Each server line of a backend of haproxy.cfg. */
const serverLines = (backend: string) =>
  haproxy
    .split(/^backend /m)
    .find((b) => b.startsWith(`${backend}\n`))!
    .split('\n')
    .filter((l) => /^\s+server /.test(l));
const frontendPort = (frontend: string) =>
  Number(
    /^\s+bind :(\d+)$/m.exec(haproxy.split(/^frontend /m).find((b) => b.startsWith(`${frontend}\n`))!)![1],
  );

describe('deploy/ha/compose.yaml', () => {
  it('interpolates only variables of node.env.example, which holds nothing unused', () => {
    const used = new Set([...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!));
    expect([...used].filter((v) => !example.has(v))).toEqual([]);
    expect([...example.keys()].filter((v) => !used.has(v))).toEqual([]);
    expect([...example.keys()].filter((v) => isPlatformSetting(v) && !known.has(v))).toEqual([]);
  });

  it('gives every service a healthcheck', () => {
    expect(services.filter(([, s]) => !s.healthcheck?.test?.length).map(([n]) => n)).toEqual([]);
  });

  it("publishes ports on loopback or on the node's private address only, never on every interface", () => {
    const published = services.flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p] as const));
    expect(published.length).toBeGreaterThan(5);
    for (const [name, p] of published)
      expect(p, name).toMatch(/^(127\.0\.0\.1|\$\{NODE_ADDR(:\?[^}]*)?\}):\d+:\d+$/);
    // What devices and people reach is HAProxy, and only HAProxy publishes on loopback.
    expect(published.filter(([, p]) => p.startsWith('127.')).map(([n]) => n)).toEqual([
      'haproxy',
      'haproxy',
      'haproxy',
    ]);
  });

  it('runs two of each service, one per node, with real `--only` names that can run with their settings', () => {
    const ran = platform.flatMap(([, s]) => {
      const parsed = parseServices(onlyOf(s));
      expect(parsed).toHaveProperty('services');
      return 'services' in parsed ? [...parsed.services] : [];
    });
    // Every platform service runs in one process of the file, which each node starts once.
    expect(ran.sort()).toEqual(['api', 'broker', 'ingest', 'rules']);
    for (const [name, s] of platform) {
      expect(s.profiles, name).toBeUndefined();
      const env = Object.fromEntries(Object.entries(s.environment!).map(([k, v]) => [k, interpolate(v)]));
      expect(
        Object.keys(env).filter((k) => !known.has(k)),
        name,
      ).toEqual([]);
      const config = loadConfig(env);
      const parsed = parseServices(onlyOf(s)) as { services: ReadonlySet<'broker'> };
      expect(selectionProblem(parsed.services, config), name).toBeUndefined();
      // The split needs PostgreSQL; ingest and rules read their broker's bus (no FM_MQTT_URL), the
      // API reaches both broker nodes through this node's HAProxy.
      expect(config.DATABASE_URL, name).toMatch(/^postgres:/);
      expect(config.FM_MQTT_URL, name).toBe(name === 'broker' ? undefined : 'mqtt://haproxy:1883');
    }
    const env = (name: string) => compose.services[name]!.environment!;
    expect(env('broker').FM_REDIS_URL).toMatch(/^redis:\/\//);
    expect(env('broker').FM_RULES_WORKER_ID).toMatch(/NODE_NAME/);
    expect(env('api').FM_API_TRUST_PROXY).toBe('true');
  });

  it('puts the engines on the nodes the docs say, and points every process at them', () => {
    const profile = (n: string) => compose.services[n]!.profiles;
    expect([profile('redis'), profile('postgres'), profile('influxdb')]).toEqual([
      ['node-a'],
      ['node-a'],
      ['node-b'],
    ]);
    const broker = compose.services.broker!.environment!;
    expect(broker.DATABASE_URL).toMatch(/@\$\{NODE_A_ADDR[^}]*\}:5432\//);
    expect(broker.FM_REDIS_URL).toMatch(/@\$\{NODE_A_ADDR\}:6379\//);
    expect(broker.FM_INFLUX_URL).toMatch(/^http:\/\/\$\{NODE_B_ADDR[^}]*\}:8086$/);
  });

  it("sends HAProxy's traffic to the ports the brokers and APIs publish, and binds the platform's own ports", () => {
    const published = (service: string, inside: number) =>
      compose.services[service]!.ports!.map((p) => p.split(':')).find((p) => Number(p.at(-1)) === inside)!;
    const d = loadConfig({});
    for (const [backend, service, inside, frontend] of [
      ['brokers', 'broker', d.FM_MQTT_PORT, 'mqtt'],
      ['brokers-ws', 'broker', d.FM_MQTT_WS_PORT, 'mqtt-ws'],
      ['apis', 'api', d.FM_API_PORT, 'api'],
    ] as const) {
      const port = Number(published(service, inside).at(-2));
      expect(backendPorts(backend)).toEqual([
        ['node-a', 'NODE_A_ADDR', port],
        ['node-b', 'NODE_B_ADDR', port],
      ]);
      expect(frontendPort(frontend)).toBe(inside);
    }
    expect(compose.services.haproxy!.environment).toEqual({
      NODE_A_ADDR: expect.any(String),
      NODE_B_ADDR: expect.any(String),
    });
  });

  it('sends the PROXY protocol to the brokers, which require it, and not to the APIs', () => {
    for (const backend of ['brokers', 'brokers-ws'])
      for (const line of serverLines(backend)) expect(line, backend).toMatch(/ send-proxy-v2 /);
    for (const line of serverLines('apis')) expect(line).not.toMatch(/send-proxy/);
    const broker = compose.services.broker!.environment!;
    expect(loadConfig({ FM_MQTT_PROXY_PROTOCOL: broker.FM_MQTT_PROXY_PROTOCOL }).FM_MQTT_PROXY_PROTOCOL).toBe(
      true,
    );
    expect(compose.services.api!.environment!.FM_MQTT_PROXY_PROTOCOL).toBeUndefined();
  });

  it("is a configuration Debian's HAProxy accepts", () => {
    if (!existsSync('/usr/sbin/haproxy'))
      throw new Error('install the Debian package haproxy (bash .ci/run does)');
    const addresses = envFile('deploy/ha/systemd/haproxy.default.example');
    const run = spawnSync('/usr/sbin/haproxy', ['-c', '-f', repo('deploy/ha/haproxy.cfg')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...Object.fromEntries(addresses) },
    });
    expect(run.stderr + run.stdout).toMatch(/Configuration file is valid/);
    expect(run.status).toBe(0);
  });
});

describe('deploy/ha/systemd', () => {
  const unit = read('deploy/ha/systemd/facility-monitor@.service');
  const common = envFile('deploy/ha/systemd/facility.env.example');
  const roles = ['broker', 'api'] as const;
  const dir = tempDir('deploy-ha-units');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs `facility start --only` with the services its instance file names, in its own state directory', () => {
    expect(unit).toMatch(
      /^ExecStart=\/usr\/bin\/node \/opt\/facility-monitor\/bin\/facility\.js start --only \$\{SERVICES\}$/m,
    );
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/facility-monitor\/facility\.env$/m);
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/facility-monitor\/%i\.env$/m);
    expect(unit).toMatch(/^Environment=.*\bFM_DATA_DIR=\/var\/lib\/facility-monitor\/%i\b/m);
    expect(unit).toMatch(/^StateDirectory=facility-monitor\/%i$/m);
    expect(unit).toMatch(/^ReadWritePaths=\/var\/lib\/facility-monitor\/%i$/m);
  });

  it.each(roles)("%s.env names real services that run with the node's settings and its own", (role) => {
    const own = envFile(`deploy/ha/systemd/${role}.env.example`);
    const parsed = parseServices(own.get('SERVICES') ?? '');
    expect(parsed).toHaveProperty('services');
    const env = Object.fromEntries([...common, ...own].filter(([k, v]) => k !== 'SERVICES' && v !== ''));
    expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
    const config = loadConfig(env);
    expect(selectionProblem((parsed as { services: ReadonlySet<'api'> }).services, config)).toBeUndefined();
  });

  it('runs every service in one of its instances', () => {
    const all = roles.flatMap((r) =>
      (envFile(`deploy/ha/systemd/${r}.env.example`).get('SERVICES') ?? '').split(','),
    );
    expect(all.sort()).toEqual(['api', 'broker', 'ingest', 'rules']);
  });

  it('listens where HAProxy sends to', () => {
    const broker = envFile('deploy/ha/systemd/broker.env.example');
    const api = envFile('deploy/ha/systemd/api.env.example');
    expect(backendPorts('brokers').map((s) => s[2])).toEqual([
      Number(broker.get('FM_MQTT_PORT')),
      Number(broker.get('FM_MQTT_PORT')),
    ]);
    expect(backendPorts('brokers-ws')[0]![2]).toBe(Number(broker.get('FM_MQTT_WS_PORT')));
    expect(backendPorts('apis')[0]![2]).toBe(Number(api.get('FM_API_PORT')));
    // HAProxy sends these ports the PROXY protocol (send-proxy-v2), which the broker then requires.
    expect(
      loadConfig({ FM_MQTT_PROXY_PROTOCOL: broker.get('FM_MQTT_PROXY_PROTOCOL') }).FM_MQTT_PROXY_PROTOCOL,
    ).toBe(true);
    const addresses = envFile('deploy/ha/systemd/haproxy.default.example');
    expect([...addresses.keys()]).toEqual(['NODE_A_ADDR', 'NODE_B_ADDR']);
    expect(broker.get('FM_MQTT_HOST')).toBe(addresses.get('NODE_A_ADDR'));
  });

  const analyze = '/usr/bin/systemd-analyze';
  it.each(roles)('passes `systemd-analyze verify` as facility-monitor@%s', (role) => {
    if (!existsSync(analyze)) {
      // Without systemd's tools: the sections and the keys this file relies on, at least.
      expect(unit.match(/^\[(Unit|Service|Install)\]$/gm)).toEqual(['[Unit]', '[Service]', '[Install]']);
      return;
    }
    copyFileSync(repo('deploy/ha/systemd/facility-monitor@.service'), join(dir, 'facility-monitor@.service'));
    const run = spawnSync(analyze, ['verify', join(dir, `facility-monitor@${role}.service`)], {
      encoding: 'utf8',
    });
    // It warns on stderr (an unknown key, a bad value) and fails only on some errors: both must be clean.
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('docs/deploy.md, "Two nodes, high availability"', () => {
  const doc = read('docs/deploy.md');
  const section = doc.slice(doc.indexOf('## Two nodes, high availability'));

  it('lists every port of the layout in its ports table', () => {
    const published = services.flatMap(([, s]) => (s.ports ?? []).map((p) => p.split(':').at(-2)!));
    for (const port of [...published, '8404'])
      expect(section, port).toMatch(new RegExp(`^\\| ${port} \\|`, 'm'));
  });

  it('names the files it installs, and the --only of every process', () => {
    for (const path of [
      'deploy/ha/compose.yaml',
      'deploy/ha/node.env.example',
      'deploy/ha/haproxy.cfg',
      'deploy/ha/systemd/facility-monitor@.service',
      'deploy/ha/systemd/haproxy.default.example',
    ]) {
      expect(existsSync(repo(path)), path).toBe(true);
      expect(section, path).toContain(path.split('/').at(-1)!);
    }
    for (const [, s] of platform) expect(section).toContain(`\`${onlyOf(s)}\``);
  });
});
