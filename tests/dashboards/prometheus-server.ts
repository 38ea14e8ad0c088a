/**
 * Debian's prometheus (package prometheus) for tests: on 127.0.0.1, all state in a temp dir,
 * scraping one target with a bearer token file, stopped by its own pid.
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, requireBinary, tempDir } from '../support/servers.ts';

export interface RunningPrometheus {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startPrometheus(o: {
  job: string;
  /** host:port of the /metrics to scrape. */
  target: string;
  token: string;
  ruleFiles: string[];
  /** Scrape and rule evaluation interval, short so tests see data within seconds. */
  interval: string;
}): Promise<RunningPrometheus> {
  const bin = requireBinary('/usr/bin/prometheus', 'prometheus');
  const dir = tempDir('prometheus');
  writeFileSync(join(dir, 'token'), o.token, { mode: 0o600 });
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: o.interval, evaluation_interval: o.interval },
      rule_files: o.ruleFiles,
      scrape_configs: [
        {
          job_name: o.job,
          authorization: { credentials_file: join(dir, 'token') },
          static_configs: [{ targets: [o.target] }],
        },
      ],
    }),
  );
  const port = await freePort();
  const child = spawn(
    bin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode} before it was ready`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready on ${url} within 20 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, pid: child.pid!, stop };
}
