/**
 * The two-node layout run for real on loopback, as its systemd files say: for each node, the three
 * instances of deploy/ha/systemd/facility-monitor@.service (the unit's ExecStart with the node's
 * facility.env and the instance's own file), on a real redis-server and PostgreSQL. Only what
 * cannot be had here is changed: addresses and ports (all 127.0.0.1, free ports), no InfluxDB, and
 * no HAProxy (each node's processes use that node's broker, where HAProxy would send them). Then
 * the compose file's healthchecks, run as written against these processes, must pass, and a broker
 * node's (which checks its rules worker's lease) must fail once that process is killed.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { freePort, type RunningServer, startPostgres, startRedis, tempDir } from '../support/servers.ts';

const root = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');
const envFile = (path: string) =>
  Object.fromEntries(
    read(path)
      .split('\n')
      .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
const unit = read('deploy/ha/systemd/facility-monitor@.service');
const exec = /^ExecStart=\/usr\/bin\/node \/opt\/facility-monitor\/(\S+) (.*)$/m.exec(unit)!;
const compose = parse(read('deploy/ha/compose.yaml'), { merge: true });
/** A compose healthcheck's `node -e` script, as the container runs it ($$ is compose's escaped $). */
const healthScript = (service: string) =>
  (compose.services[service].healthcheck.test as string[])[3]!.replaceAll('$$', '$');
const run = promisify(execFile);
const SECRET = 'service-secret-for-ha-0123456789';
const ADMIN = 'a'.repeat(40);
const TTL_S = 3;

const cleanup: (() => unknown)[] = [];
let postgres: RunningServer & { url: string };
let redis: RunningServer & { url: string };
interface Node {
  name: string;
  mqttPort: number;
  apiPort: number;
  children: Record<string, ChildProcess>;
}
const nodes: Node[] = [];

/** One instance of the unit on `node`: its ExecStart, the node's settings and the instance's. */
function startInstance(node: Node, instance: string, loopback: Record<string, string>): Promise<void> {
  const settings = {
    ...envFile('deploy/ha/systemd/facility.env.example'),
    ...envFile(`deploy/ha/systemd/${instance}.env.example`),
  };
  const args = [exec[1]!, ...exec[2]!.replace(/\$\{SERVICES\}/, settings.SERVICES!).split(' ')];
  const dataDir = tempDir(`ha-${node.name}-${instance}`);
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = {
    ...settings,
    ...loopback,
    FM_DATA_DIR: dataDir,
    FM_LOG_LEVEL: process.env.FM_TEST_LOG ?? 'error',
  };
  for (const name of Object.keys(env))
    if (name.startsWith('FM_INFLUX_') || env[name] === '') delete env[name];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH!, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  node.children[instance] = child;
  cleanup.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      // `facility start` prints its summary once every service of the process has started.
      if (/services\s+\S+.*\(--only\)/.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${node.name} ${instance} exited with ${code}`)));
  });
}

/** Runs a compose healthcheck script here; true when it exits 0. */
const healthy = (script: string, env: Record<string, string> = {}) =>
  run(process.execPath, ['-e', script], {
    cwd: root,
    env: { PATH: process.env.PATH!, ...env },
    timeout: 10_000,
  }).then(
    () => true,
    () => false,
  );
/** The broker's healthcheck: its MQTT port answers and its rules worker's lease is renewed. */
const brokerHealthy = (node: Node) =>
  healthy(healthScript('broker').replace('1883', String(node.mqttPort)), {
    DATABASE_URL: postgres.url,
    FM_RULES_WORKER_ID: node.name,
  });
async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) if (await check()) return true;
  return check();
}

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  for (const name of ['node-a', 'node-b'])
    nodes.push({ name, mqttPort: await freePort(), apiPort: await freePort(), children: {} });
  const common = {
    DATABASE_URL: postgres.url,
    FM_ADMIN_TOKEN: ADMIN,
    FM_SERVICE_SECRET: SECRET,
    FM_RULES_LEASE_TTL_S: String(TTL_S),
  };
  // Node A's processes first, as the docs say, then node B's; each node's broker before its clients.
  for (const node of nodes) {
    const broker = `mqtt://127.0.0.1:${node.mqttPort}`;
    await startInstance(node, 'broker', {
      ...common,
      FM_MQTT_HOST: '127.0.0.1',
      FM_MQTT_PORT: String(node.mqttPort),
      FM_MQTT_WS_PORT: '0',
      // No HAProxy in front here, so no PROXY protocol header to require (tests/broker/proxy-haproxy.test.ts
      // runs HAProxy's send-proxy-v2 in front of a broker).
      FM_MQTT_PROXY_PROTOCOL: 'false',
      FM_REDIS_URL: redis.url,
      FM_RULES_WORKER_ID: node.name,
    });
    await startInstance(node, 'api', {
      ...common,
      FM_MQTT_URL: broker,
      FM_API_HOST: '127.0.0.1',
      FM_API_PORT: String(node.apiPort),
    });
  }
}, 120_000);

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

describe('the two-node layout on loopback, started from its systemd files', () => {
  it("passes the compose file's healthchecks of the broker (with its rules worker) and the API on both nodes", async () => {
    for (const node of nodes) {
      expect(await eventually(() => brokerHealthy(node), 15_000), node.name).toBe(true);
      expect(await healthy(healthScript('api').replace('8080', String(node.apiPort))), node.name).toBe(true);
    }
    // The broker's healthcheck asks for its own worker's lease: another name has none.
    expect(
      await healthy(healthScript('broker').replace('1883', String(nodes[0]!.mqttPort)), {
        DATABASE_URL: postgres.url,
        FM_RULES_WORKER_ID: 'node-c',
      }),
    ).toBe(false);
  }, 60_000);

  it('clusters the two brokers: a command published on node A reaches a service subscribed on node B', async () => {
    const [a, b] = nodes.map((n) =>
      mqtt.connect(`mqtt://127.0.0.1:${n.mqttPort}`, {
        clientId: `service.probe-${n.name}`,
        username: 'service.probe',
        password: SECRET,
        reconnectPeriod: 0,
      }),
    );
    cleanup.push(
      () => a!.end(true),
      () => b!.end(true),
    );
    await Promise.all([a, b].map((c) => new Promise((r, j) => c!.once('connect', r).once('error', j))));
    const got = new Promise<string>((resolve) => b!.on('message', (topic) => resolve(topic)));
    await b!.subscribeAsync('fm/+/+/+/command', { qos: 1 });
    await a!.publishAsync('fm/estate-ha/lift/lift-1/command', '{"command":"report-now"}', { qos: 1 });
    expect(await got).toBe('fm/estate-ha/lift/lift-1/command');
  });

  it("fails a broker node's healthcheck once its process is dead, and not the other's", async () => {
    const [a, b] = nodes as [Node, Node];
    // Estates for the two rules workers to share, registered through node B's API.
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`http://127.0.0.1:${b.apiPort}/sites`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: `estate-${i}`, name: `Estate ${i}` }),
      });
      expect(res.status).toBe(201);
    }
    const holders = async () => {
      const c = new pg.Client({ connectionString: postgres.url });
      await c.connect();
      try {
        const { rows } = await c.query<{ holder: string }>(
          "SELECT DISTINCT split_part(holder, ':', 1) AS holder FROM leases WHERE name LIKE 'rules-site:%' AND expires_at > now() ORDER BY 1",
        );
        return rows.map((r) => r.holder).join(',');
      } finally {
        await c.end();
      }
    };
    expect(await eventually(async () => (await holders()) === 'node-a,node-b', 20_000)).toBe(true);
    b.children.broker!.kill('SIGKILL');
    expect(await eventually(async () => !(await brokerHealthy(b)), (TTL_S + 5) * 1000)).toBe(true);
    expect(await brokerHealthy(a)).toBe(true);
    // The survivor's worker takes the dead one's estates within the lease's TTL and a third more.
    expect(await eventually(async () => (await holders()) === 'node-a', (TTL_S * 2 + 5) * 1000)).toBe(true);
  }, 60_000);
});
