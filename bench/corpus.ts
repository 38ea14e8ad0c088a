/**
 * Replays mosquitto's malformed-packet corpus (tests/broker/fixtures/mosquitto-corpus) against the
 * platform's broker (in this process) or Debian's mosquitto, with the suite's runner, and prints
 * how many sequences got the expected response, the broker's RSS before and after, and each miss.
 *
 *   node bin/run-ts.js bench/corpus.ts [--target platform|mosquitto] [--raw] [--all] [--fuzz N] [--misses]
 *
 * --raw sends the corpus exactly as it is (anonymous, no topic namespaces; mosquitto only), as
 * mosquitto's own runner does, and one sequence at a time. --all includes the MQTT 5 sequences.
 * --fuzz N follows the corpus with N fuzzed packets (tests/broker/fuzz.ts) on the same broker.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { replayAll } from '../tests/broker/corpus/replay.ts';
import { loadCorpus } from '../tests/broker/corpus/sequences.ts';
import { platformSubstitution, startCorpusBroker } from '../tests/broker/corpus/target.ts';
import { startMosquitto } from '../tests/support/servers.ts';

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

function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.replace(/\D/g, '')) * 1024;
}

const mosquitto = values.target === 'mosquitto';
const running = mosquitto ? await startMosquitto() : await startCorpusBroker();
const pid = 'pid' in running ? running.pid : process.pid;
const port = 'pid' in running ? running.port : running.addresses.tcp.port;
const rssBefore = rssOf(pid);
const started = Date.now();
const outcomes = await replayAll(sequences, {
  port,
  substitution: values.raw ? undefined : platformSubstitution,
  concurrency: Number(values.concurrency ?? (values.raw ? 1 : 16)),
});
const corpusS = (Date.now() - started) / 1000;
let fuzzNote = '';
if (Number(values.fuzz) > 0) {
  const { fuzzBroker } = await import('../tests/broker/fuzz.ts');
  const r = await fuzzBroker({ port, packets: Number(values.fuzz), seed: 1 });
  fuzzNote = `, then ${r.sent} fuzzed packets on ${r.connections} connections`;
}
const rssAfter = rssOf(pid);

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
  `${values.target}${values.raw ? ' (raw corpus)' : ''}: ${ok} of ${sequences.length} sequences with the expected response in ${corpusS.toFixed(1)} s${fuzzNote}`,
);
for (const [k, v] of byVersion) console.log(`  ${k}: ${v.ok} of ${v.total}`);
console.log(
  `  RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB before, ${(rssAfter / 2 ** 20).toFixed(0)} MB after`,
);
if (values.misses) for (const o of outcomes) if (!o.ok) console.log(`  miss: ${o.id}: ${o.why}`);
await running.stop();
process.exit(0);
