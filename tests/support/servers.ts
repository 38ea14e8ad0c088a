/**
 * Real servers for tests, from Debian's packages (installed by .ci/run), each started on 127.0.0.1
 * in a temporary directory and stopped by its own pid.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freshCluster, PG_BIN, type Wrap } from './postgres-template.ts';

export interface RunningServer {
  port: number;
  dir: string;
  pid: number;
  stop(): Promise<void>;
}

/** Whether `port` can be bound on 127.0.0.1 now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A port free on 127.0.0.1 for a server about to start, below Linux's ephemeral range (32768-60999):
 * the kernel hands ports of that range to every port-0 bind and outgoing connection, so one chosen
 * there could be taken before the server binds it, or before a killed server starts again on it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    if (await bindable(port)) return port;
  }
  throw new Error('no free port found between 10000 and 32000 on 127.0.0.1');
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `fm-${prefix}-`));
}

/** Room a RAM-backed directory must have to be used: a test store is 40 MB and a run keeps dozens. */
const MEMORY_DIR_MIN_FREE = 4 * 1024 ** 3;

/**
 * A temporary directory on a RAM-backed tmpfs (/dev/shm) when it has room, else as tempDir. For
 * what is written in bulk and thrown away (embedded stores): on a disk shared with other jobs,
 * copying a 40 MB store and removing it took seconds each. A process killed with SIGKILL loses
 * nothing it wrote on either, so the kill tests prove the same; only a power cut would differ.
 */
export function memoryTempDir(prefix: string): string {
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize >= MEMORY_DIR_MIN_FREE) return mkdtempSync(join('/dev/shm', `fm-${prefix}-`));
  } catch {
    // No /dev/shm (macOS) or not writable: the disk will do.
  }
  return tempDir(prefix);
}

/** Waits until `port` on 127.0.0.1 (or the Unix socket at a path) takes a connection. */
async function waitForPort(
  port: number | string,
  child: ChildProcess,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      if (typeof port === 'string') s.connect(port);
      else s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const where = typeof port === 'string' ? port : `127.0.0.1:${port}`;
  throw new Error(`${what} did not listen on ${where} within ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

export function requireBinary(path: string, pkg: string): string {
  if (!existsSync(path))
    throw new Error(`${path} is missing: install the Debian package ${pkg} (bash .ci/run does)`);
  return path;
}

/**
 * Writes mosquitto's dynamic security file. Run as root, mosquitto drops to its own user before the
 * plugin reads (and rewrites) it: the file and its directory must be that user's.
 */
export function writeForMosquitto(file: string, contents: unknown): void {
  writeFileSync(file, JSON.stringify(contents));
  if (process.getuid?.() !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'mosquitto']).toString());
  const gid = Number(execFileSync('id', ['-g', 'mosquitto']).toString());
  chownSync(dirname(file), uid, gid);
  chownSync(file, uid, gid);
}

/**
 * mosquitto on 127.0.0.1. `extraConfig` lines are appended (password_file, acl_file, plugin...).
 * `port`: a given one, to start it again where its clients reconnect.
 */
export async function startMosquitto(extraConfig: string[] = [], fixedPort?: number): Promise<RunningServer> {
  const bin = requireBinary('/usr/sbin/mosquitto', 'mosquitto');
  const dir = tempDir('mosquitto');
  const port = fixedPort ?? (await freePort());
  const anonymous = extraConfig.some((l) => l.startsWith('password_file')) ? 'false' : 'true';
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      `allow_anonymous ${anonymous}`,
      'persistence false',
      ...extraConfig,
      '',
    ].join('\n'),
  );
  const child = spawn(bin, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  await waitForPort(port, child, 'mosquitto');
  return {
    port,
    dir,
    pid: child.pid!,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** PostgreSQL 15 in a temp cluster; runs as the `postgres` user when the tests run as root. */
export async function startPostgres(): Promise<RunningServer & { url: string }> {
  requireBinary(`${PG_BIN}/initdb`, 'postgresql');
  const dir = tempDir('pg');
  const asRoot = process.getuid?.() === 0;
  const wrap: Wrap = (cmd, args) =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  freshCluster(data, wrap);
  const port = await freePort();
  const [cmd, args] = wrap(`${PG_BIN}/postgres`, [
    '-D',
    data,
    '-c',
    'listen_addresses=127.0.0.1',
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
  ]);
  const child = spawn(cmd, args, { stdio: 'ignore' });
  await waitForPort(port, child, 'postgres');
  const url = `postgres://fm@127.0.0.1:${port}/postgres`;
  // The port answers slightly before the server accepts queries.
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      execFileSync(`${PG_BIN}/pg_isready`, ['-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    dir,
    url,
    pid: child.pid!,
    stop: async () => {
      // SIGINT is PostgreSQL's fast shutdown; signal the postmaster itself (runuser sits between).
      const pidFile = join(data, 'postmaster.pid');
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGINT');
      }
      await stopChild(child, 'SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * redis-server on 127.0.0.1 in a temp directory, without persistence (no RDB snapshots, no AOF):
 * the clustered broker's tests kill broker nodes, never Redis.
 */
export async function startRedis(): Promise<RunningServer & { url: string }> {
  const bin = requireBinary('/usr/bin/redis-server', 'redis-server');
  const dir = tempDir('redis');
  const port = await freePort();
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  const child = spawn(bin, args, { stdio: 'ignore' });
  await waitForPort(port, child, 'redis-server');
  return {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * HAProxy in the foreground (`-db`) with `config`, from a temp directory (the config may name
 * `${dir}` for its stats socket). `port`: one it binds, waited for. The config is checked first
 * (`-c`), so a mistake in it fails with HAProxy's own words rather than as a port never opened.
 */
export async function startHaproxy(
  config: (dir: string) => string,
  port: number,
): Promise<RunningServer & { run(command: string): Promise<string> }> {
  const bin = requireBinary('/usr/sbin/haproxy', 'haproxy');
  const dir = tempDir('haproxy');
  const file = join(dir, 'haproxy.cfg');
  const text = config(dir);
  writeFileSync(file, text);
  execFileSync(bin, ['-c', '-q', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  const child = spawn(bin, ['-db', '-f', file], { stdio: 'ignore' });
  await waitForPort(port, child, 'haproxy');
  // A port taking connections does not mean the stats socket does yet: a full run once found it
  // refusing (ECONNREFUSED) on the first command after the start.
  const stats = join(dir, 'admin.sock');
  if (text.includes(stats)) await waitForPort(stats, child, 'haproxy stats socket');
  return {
    port,
    dir,
    pid: child.pid!,
    /** A command on the stats socket (`stats socket ${dir}/admin.sock` in the config's global). */
    run: (command) =>
      new Promise((resolve, reject) => {
        const s = new Socket();
        const got: Buffer[] = [];
        s.on('data', (d: Buffer) => got.push(d));
        s.once('error', reject);
        s.once('close', () => resolve(Buffer.concat(got).toString()));
        s.connect(join(dir, 'admin.sock'), () => s.end(`${command}\n`));
      }),
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
