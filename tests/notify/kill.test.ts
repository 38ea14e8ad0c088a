/**
 * kill -9 between a commit and its send, 20 times: each life of a child dispatches slips (their
 * notifications committed with them) and is killed as soon as it reports a commit; half the lives
 * run no sender at all, so their notifications are certainly unsent when the process dies. A last
 * life drains the outbox. Every notification reaches the signed webhook, each key at least once,
 * no key that was never committed, and the receiver, dropping repeats by key, has each exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { openRecords } from '../../src/records/index.ts';
import { migratedDataDir } from '../support/store.ts';
import { go, startAhead } from '../support/turn.ts';
import { startReceivers } from './receivers.ts';

const ROUNDS = 20;
const FIXTURE = 'tests/notify/fixtures/notify-life.ts';
const LIFE_TIMEOUT_MS = 30_000;
const alive = new Set<ChildProcess>();
const dir = migratedDataDir('notify-kill');
afterAll(() => {
  for (const c of alive) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A life of the fixture, loading while the one before it runs (turn.ts). */
function lifeAhead(url: string, mode: 'write' | 'drain', round: number): ChildProcess {
  const child = startAhead(FIXTURE, [dir, url, mode, String(round)]);
  alive.add(child);
  return child;
}

function life(
  child: ChildProcess,
  mode: 'write' | 'drain',
  round: number,
  commits: number,
): Promise<number[]> {
  const seen: number[] = [];
  let drained = false;
  let buffer = '';
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return reject(new Error(`notify life ${round} exited while loading`));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const m = /^committed (\d+)$/.exec(line);
        if (m) seen.push(Number(m[1]));
        if (line.startsWith('drained ')) drained = true;
      }
      // Right after the commit is reported: its notification is in the outbox, maybe not yet sent.
      if (mode === 'write' && seen.length >= commits && child.exitCode === null) child.kill('SIGKILL');
    });
    const stuck = setTimeout(() => {
      reject(new Error(`notify life ${round} (${mode}) stuck`));
      child.kill('SIGKILL');
    }, LIFE_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(stuck);
      alive.delete(child);
      if (mode === 'drain')
        return drained && code === 0 ? resolve([]) : reject(new Error(`drain exited ${code}`));
      if (signal !== 'SIGKILL') reject(new Error(`life ${round} exited with ${code} before it was killed`));
      else resolve(seen);
    });
    go(child);
  });
}

it(`every notification is delivered, once by key, across ${ROUNDS} SIGKILLs between commit and send`, {
  timeout: 240_000,
}, async () => {
  const receivers = await startReceivers();
  try {
    const url = `${receivers.url}/webhook`;
    const committed: number[] = [];
    let next = lifeAhead(url, 'write', 0);
    for (let round = 0; round < ROUNDS; round++) {
      const current = next;
      next = lifeAhead(url, round + 1 < ROUNDS ? 'write' : 'drain', round + 1);
      committed.push(...(await life(current, 'write', round, 1 + (round % 3))));
    }
    await life(next, 'drain', ROUNDS, 0);

    const records = await openRecords({ dataDir: dir, log: pino({ level: 'silent' }) });
    try {
      const rows = await records.db.query<{ key: string; subjectId: number; state: string }>(
        `SELECT key, subject_id AS "subjectId", state FROM notify_outbox ORDER BY id`,
      );
      // Every reported commit has its notification, and every notification was sent.
      for (const id of committed) expect(rows.some((r) => r.subjectId === id)).toBe(true);
      expect(rows.filter((r) => r.state !== 'sent')).toEqual([]);
      expect(receivers.refused).toEqual([]);
      const keys = rows.map((r) => r.key).sort();
      const received = receivers.received.map((r) => r.key!);
      expect([...new Set(received)].sort()).toEqual(keys);
      // Repeats (a kill after the send, before it was marked sent) carry the same key: dropped there.
      const repeats = received.length - new Set(received).size;
      process.stdout.write(`notify kill: ${rows.length} notifications, ${repeats} repeats by key\n`);
    } finally {
      await records.close();
    }
  } finally {
    await receivers.close();
  }
});
