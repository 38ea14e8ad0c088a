/**
 * Debian's influxd (1.6) for tests: its own config binding HTTP and RPC to 127.0.0.1, every other
 * listener and service off, all state in a temp dir. `pause()`/`resume()` stop and restart the same
 * server on the same port and data (outage tests).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, requireBinary, tempDir } from './servers.ts';

export interface RunningInfluxd {
  url: string;
  port: number;
  database: string;
  dir: string;
  pid(): number | undefined;
  /** Stops influxd, keeping its data. */
  pause(): Promise<void>;
  /** Starts it again on the same port and data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

function config(dir: string, port: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
  trace-logging-enabled = false

[coordinator]
  log-queries-after = "0s"

[retention]
  enabled = false

[shard-precreation]
  enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${port}"
  auth-enabled = false
  log-enabled = false
  flux-enabled = false

[logging]
  level = "warn"
  suppress-logo = true

[subscriber]
  enabled = false

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false

[[udp]]
  enabled = false

[continuous_queries]
  enabled = false
`;
}

async function ping(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return res.status === 204;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

export async function startInfluxd(database = 'fm'): Promise<RunningInfluxd> {
  const bin = requireBinary('/usr/bin/influxd', 'influxdb');
  const dir = tempDir('influxd');
  const port = await freePort();
  const rpcPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, 'influxdb.conf'), config(dir, port, rpcPort));
  let child: ChildProcess | undefined;

  async function launch(): Promise<void> {
    const c = spawn(bin, ['run', '-config', join(dir, 'influxdb.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, INFLUXDB_CONFIG_PATH: join(dir, 'influxdb.conf') },
    });
    let stderr = '';
    c.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4000);
    });
    child = c;
    const deadline = Date.now() + 30_000;
    while (!(await ping(url))) {
      if (c.exitCode !== null) throw new Error(`influxd exited with ${c.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`influxd did not answer on ${url}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function halt(): Promise<void> {
    const c = child;
    if (!c) return;
    child = undefined;
    const done = exited(c);
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    c.kill('SIGTERM');
    await done;
    clearTimeout(timer);
  }

  await launch();
  const res = await fetch(`${url}/query`, {
    method: 'POST',
    body: new URLSearchParams({ q: `CREATE DATABASE "${database}"` }),
  });
  if (!res.ok) throw new Error(`CREATE DATABASE failed: ${res.status} ${await res.text()}`);

  return {
    url,
    port,
    database,
    dir,
    pid: () => child?.pid,
    pause: halt,
    resume: launch,
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
