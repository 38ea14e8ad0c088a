/**
 * Replays mosquitto's malformed-packet corpus (tests/broker/fixtures/mosquitto-corpus) with the
 * suite's runner against the platform's broker or Debian's mosquitto, each alone in its process,
 * and prints how many sequences got the expected response, the broker's RSS before and after, and
 * each miss.
 *
 *   node bin/run-ts.js bench/corpus.ts [--target platform|mosquitto] [--raw] [--all] [--fuzz N] [--misses]
 *
 * --raw sends the corpus exactly as it is (anonymous, no topic namespaces; mosquitto only), one
 * sequence at a time, as mosquitto's own runner does. --all includes the MQTT 5 sequences.
 * --fuzz N follows the corpus with N fuzzed packets (tests/broker/fuzz.ts) on the same broker.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { replayAll } from '../tests/broker/corpus/replay.ts';
import { loadCorpus } from '../tests/broker/corpus/sequences.ts';
import { serviceSubstitution } from '../tests/broker/corpus/target.ts';
import { fuzzBroker } from '../tests/broker/fuzz.ts';
import { startMosquitto } from '../tests/support/servers.ts';
import { BENCH_SERVICE_SECRET } from './broker-server.ts';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'platform' },
    raw: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    misses: { type: 'boolean', default: false },
    fuzz: { type: 'string', default: '0' },
    concurrency: { type: 'string' },
  },
});

const sequences = loadCorpus().filter((s) => values.all || s.mqtt !== 5);

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

/** The platform's broker alone in a child process (bench/broker-server.ts, the suite's settings). */
async function platformBroker(): Promise<{ pid: number; port: number; stop(): Promise<void> }> {
  const child = spawn('node', ['bin/run-ts.js', 'bench/broker-server.ts', 'ours'], {
    stdio: ['pipe', 'pipe', 'ignore'], // its log: one warning per refusal
  });
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', resolve),
  );
  const { port } = JSON.parse(line) as { port: number };
  return {
    pid: child.pid!,
    port,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const running = values.target === 'mosquitto' ? await startMosquitto() : await platformBroker();
const rssBefore = rssMb(running.pid);
const started = Date.now();
const outcomes = await replayAll(sequences, {
  port: running.port,
  substitution: values.raw ? undefined : serviceSubstitution(BENCH_SERVICE_SECRET),
  concurrency: Number(values.concurrency ?? (values.raw ? 1 : 16)),
});
const corpusS = (Date.now() - started) / 1000;
const rssCorpus = rssMb(running.pid);
let fuzzNote = '';
if (Number(values.fuzz) > 0) {
  const r = await fuzzBroker({
    port: running.port,
    packets: Number(values.fuzz),
    seed: 18,
    deadlineMs: 600_000,
  });
  fuzzNote = `; then ${r.sent} fuzzed packets on ${r.connections} connections, RSS ${rssMb(running.pid)} MB`;
}

const byVersion = new Map<string, { total: number; ok: number }>();
sequences.forEach((s, i) => {
  const key = s.mqtt === 5 ? 'MQTT 5' : 'MQTT 3.1/3.1.1';
  const e = byVersion.get(key) ?? { total: 0, ok: 0 };
  e.total++;
  if (outcomes[i]!.ok) e.ok++;
  byVersion.set(key, e);
});
const ok = outcomes.filter((o) => o.ok).length;
console.log(
  `${values.target}${values.raw ? ' (raw corpus)' : ''}: ${ok} of ${sequences.length} sequences with the expected response in ${corpusS.toFixed(1)} s`,
);
for (const [k, v] of byVersion) console.log(`  ${k}: ${v.ok} of ${v.total}`);
console.log(`  broker RSS ${rssBefore} MB before, ${rssCorpus} MB after the corpus${fuzzNote}`);
if (values.misses) for (const o of outcomes) if (!o.ok) console.log(`  miss: ${o.id}: ${o.why}`);
await running.stop();
process.exit(0);
