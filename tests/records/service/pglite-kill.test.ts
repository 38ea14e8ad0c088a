/**
 * PGlite survives a SIGKILL (issue 3): a child writes records until it is killed mid-write; the next
 * child reopens the store and checks every record the previous ones reported committed; after the
 * twentieth kill the test reopens it once more and checks them all. Each life is a Node start, the
 * loading of src/ and a PGlite open; the next life starts and loads while the current one runs
 * (support/turn.ts), and opens the store only after the kill. The timeout allows for a busy machine.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, expect, it } from 'vitest';
import { openRecords } from '../../../src/records/index.ts';
import { migratedDataDir } from '../../support/store.ts';
import { go, startAhead } from '../../support/turn.ts';

const ROUNDS = 20;
const FIXTURE = 'tests/records/service/fixtures/write-records.ts';
/** A life that takes longer than this is stuck (the store did not reopen), not slow. */
const LIFE_TIMEOUT_MS = 30_000;
const dirs: string[] = [];
const alive = new Set<ChildProcess>();
afterAll(() => {
  for (const c of alive) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Committed {
  id: number;
  content: string;
}

/** One life of the writer, started ahead (turn.ts): verify what came before, commit `commits` records (or more), get killed. */
function life(
  child: ChildProcess,
  dir: string,
  round: number,
  known: Committed[],
  commits: number,
): Promise<Committed[]> {
  writeFileSync(join(dir, 'expected.json'), JSON.stringify(known));
  const seen: Committed[] = [];
  let verified = false;
  let buffer = '';
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null)
      return reject(new Error(`writer round ${round} exited with ${child.exitCode} while loading`));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line === `verified ${known.length}`) verified = true;
        const m = /^committed (\d+) (.+)$/.exec(line);
        if (m) seen.push({ id: Number(m[1]), content: m[2]! });
      }
      if (seen.length >= commits && child.exitCode === null) child.kill('SIGKILL');
    });
    const stuck = setTimeout(() => {
      reject(new Error(`writer round ${round} committed ${seen.length} records in ${LIFE_TIMEOUT_MS} ms`));
      child.kill('SIGKILL');
    }, LIFE_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(stuck);
      alive.delete(child);
      if (signal !== 'SIGKILL')
        reject(new Error(`writer round ${round} exited with ${code} before it was killed`));
      else if (!verified) reject(new Error(`writer round ${round} did not verify the earlier records`));
      else resolve(seen);
    });
    go(child);
  });
}

/** The writer of `round`, loading while the one before it runs. */
function writer(dir: string, round: number): ChildProcess {
  const child = startAhead(FIXTURE, [dir, join(dir, 'expected.json'), String(round)]);
  alive.add(child);
  return child;
}

async function chain(): Promise<{ dir: string; committed: Committed[] }> {
  // The data directory itself: its records/ is the store, expected.json sits beside it.
  const dir = migratedDataDir('service-kill');
  dirs.push(dir);
  const known: Committed[] = [];
  // Killed after one to three commits: the kill lands in the middle of the next write.
  let next = writer(dir, 0);
  for (let round = 0; round < ROUNDS; round++) {
    const current = next;
    if (round + 1 < ROUNDS) next = writer(dir, round + 1);
    known.push(...(await life(current, dir, round, known, 1 + (round % 3))));
  }
  return { dir, committed: known };
}

it(`committed records survive ${ROUNDS} SIGKILLs of the embedded store`, { timeout: 180_000 }, async () => {
  const { dir, committed } = await chain();
  expect(committed.length).toBeGreaterThanOrEqual(ROUNDS);
  const log = pino({ level: 'silent' });
  const records = await openRecords({ dataDir: dir, log });
  try {
    const rows = await records.db.query<{ id: number; content: string; actions: string[] }>(
      `SELECT r.id, r.content, ARRAY(SELECT h.action FROM service_history h
         WHERE h.subject = 'record' AND h.subject_id = r.id ORDER BY h.id) AS actions
       FROM service_records r WHERE r.id = ANY($1::int[]) ORDER BY r.id`,
      [committed.map((c) => c.id)],
    );
    expect(rows).toEqual(
      committed.map((c) => ({ id: c.id, content: c.content, actions: ['create', 'dispatch'] })),
    );
    // Each record's creation is one transaction: no record without its history and deadlines.
    const orphans = await records.db.query(
      `SELECT r.id FROM service_records r WHERE NOT EXISTS (SELECT 1 FROM service_history h
         WHERE h.subject = 'record' AND h.subject_id = r.id) OR (SELECT count(*) FROM sla_deadlines d
         WHERE d.subject = 'record' AND d.subject_id = r.id) < 2`,
    );
    expect(orphans).toEqual([]);
  } finally {
    await records.close();
  }
});
