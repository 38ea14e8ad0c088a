/** A broker under benchmark in a child process of its own (bench/broker-server.ts). */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Running {
  name: string;
  port: number;
  pid: number;
  /** False once the broker process has died (bare aedes can, under overload). */
  alive(): boolean;
  counters(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** `env` is laid over this process's environment (FM_BENCH_REDIS_URL: a clustered node). */
export function childBroker(
  name: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Running> {
  const child: ChildProcess = spawn('node', ['bin/run-ts.js', 'bench/broker-server.ts', ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  return next().then((line) => ({
    name,
    port: (JSON.parse(line) as { port: number }).port,
    pid: child.pid!,
    alive: () => child.exitCode === null && child.signalCode === null,
    counters: async () => {
      const answer = next();
      child.stdin!.write('counters\n');
      return JSON.parse(await answer) as Record<string, unknown>;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    },
  }));
}
