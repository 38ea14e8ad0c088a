/** Stops and starts again a PostgreSQL from tests/support/servers.ts on the same data and port (an outage). */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningServer } from '../support/servers.ts';

const PG_BIN = '/usr/lib/postgresql/15/bin';

export async function stopPg(pg: RunningServer): Promise<void> {
  const pidFile = join(pg.dir, 'data', 'postmaster.pid');
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGINT'); // fast shutdown: connections are cut
  const deadline = Date.now() + 15_000;
  while (existsSync(pidFile)) {
    if (Date.now() > deadline) throw new Error('postgres did not stop');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startPgAgain(pg: RunningServer): Promise<void> {
  const args = [
    '-D',
    join(pg.dir, 'data'),
    '-c',
    'listen_addresses=127.0.0.1',
    '-p',
    String(pg.port),
    '-k',
    pg.dir,
    '-c',
    'fsync=off',
  ];
  const asRoot = process.getuid?.() === 0;
  const child = asRoot
    ? spawn('runuser', ['-u', 'postgres', '--', `${PG_BIN}/postgres`, ...args], { stdio: 'ignore' })
    : spawn(`${PG_BIN}/postgres`, args, { stdio: 'ignore' });
  child.unref();
  const deadline = Date.now() + 15_000;
  while (!existsSync(join(pg.dir, 'data', 'postmaster.pid'))) {
    if (Date.now() > deadline) throw new Error('postgres did not start again');
    await new Promise((r) => setTimeout(r, 50));
  }
}
