/**
 * Leases (records/leases.ts, migration 074) and the singleton job on the embedded store: the same
 * SQL runs on PostgreSQL (tests/rules/handover.test.ts, tests/api/replicas.postgres.test.ts).
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecords, type Records } from '../../src/records/index.ts';
import { claimLeases, liveLeases, releaseLeases } from '../../src/records/leases.ts';
import { runSingleton } from '../../src/records/singleton.ts';
import { ownerOf } from '../../src/rules/ownership.ts';
import { loadStates, saveStates } from '../../src/rules/store.ts';
import { lendStore, storeDataDir } from '../support/shared-store.ts';

const silent = pino({ level: 'silent' });
const HOUR = 3_600_000;

describe('leases', () => {
  let records: Records;
  beforeAll(async () => {
    records = await openRecords({ dataDir: storeDataDir('leases'), db: await lendStore(), log: silent });
  });
  afterAll(async () => {
    await records?.close();
  });

  it('grants a free name, renews it for its holder, refuses it to another until released', async () => {
    const db = records.db;
    expect(await claimLeases(db, ['x:1', 'x:2'], 'w1', HOUR)).toEqual([
      { name: 'x:1', epoch: 1 },
      { name: 'x:2', epoch: 1 },
    ]);
    expect(await claimLeases(db, ['x:1'], 'w1', HOUR)).toEqual([{ name: 'x:1', epoch: 1 }]);
    expect(await claimLeases(db, ['x:1', 'x:3'], 'w2', HOUR)).toEqual([{ name: 'x:3', epoch: 1 }]);
    expect(await liveLeases(db, 'x:')).toEqual([
      { name: '1', holder: 'w1' },
      { name: '2', holder: 'w1' },
      { name: '3', holder: 'w2' },
    ]);
    await releaseLeases(db, ['x:1'], 'w2'); // not w2's: nothing happens
    expect(await claimLeases(db, ['x:1'], 'w2', HOUR)).toEqual([]);
    await releaseLeases(db, ['x:1'], 'w1');
    // Another holder: the epoch (fencing token) goes up.
    expect(await claimLeases(db, ['x:1'], 'w2', HOUR)).toEqual([{ name: 'x:1', epoch: 2 }]);
  });

  it('lets an expired lease be taken over', async () => {
    const db = records.db;
    expect(await claimLeases(db, ['y:1'], 'w1', 0)).toHaveLength(1); // expires at once
    expect(await liveLeases(db, 'y:')).toEqual([]);
    expect(await claimLeases(db, ['y:1'], 'w2', HOUR)).toEqual([{ name: 'y:1', epoch: 2 }]);
  });

  it('saves a rules worker\u2019s state only while it holds the site (a fence against a worker that lost it)', async () => {
    const db = records.db;
    const save = (n: number) => saveStates(db, [{ id: 'f-L1', state: { n }, site: 'f' }], new Date(), 'w1');
    const saved = async () => (await loadStates(db, ['f-L1']))[0]?.state;
    await save(1);
    expect(await saved()).toBeUndefined(); // never held
    await claimLeases(db, ['rules-site:f'], 'w1', HOUR);
    await save(2);
    expect(await saved()).toEqual({ n: 2 });
    await releaseLeases(db, ['rules-site:f'], 'w1');
    await claimLeases(db, ['rules-site:f'], 'w2', HOUR);
    await save(3); // w1 lost the site to w2: its late save is refused
    expect(await saved()).toEqual({ n: 2 });
    // Without a holder (PGlite, one worker) saves are not fenced.
    await saveStates(db, [{ id: 'f-L1', state: { n: 4 } }], new Date());
    expect(await saved()).toEqual({ n: 4 });
  });

  it('runs a singleton job in one holder and hands it over on stop', async () => {
    const runs: string[] = [];
    const job = (holder: string) =>
      runSingleton({
        db: records.db,
        name: 'test-job',
        ttlMs: 300,
        log: silent,
        holder,
        start: () => {
          runs.push(`${holder} start`);
        },
        stop: async () => {
          runs.push(`${holder} stop`);
        },
      });
    const first = await job('p1');
    const second = await job('p2');
    expect([first.leading(), second.leading()]).toEqual([true, false]);
    await first.stop();
    const deadline = Date.now() + 5000;
    while (!second.leading() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(second.leading()).toBe(true);
    await second.stop();
    expect(runs).toEqual(['p1 start', 'p1 stop', 'p2 start', 'p2 stop']);
  });
});

describe('ownerOf (rendezvous hashing)', () => {
  const sites = Array.from({ length: 200 }, (_, i) => `site-${i}`);

  it('moves only the sites of a worker that leaves', () => {
    const three = ['a', 'b', 'c'];
    const two = ['a', 'b'];
    for (const s of sites) {
      const before = ownerOf(s, three);
      if (before !== 'c') expect(ownerOf(s, two)).toBe(before);
    }
  });

  it('gives every worker a share, whatever order the workers are listed in', () => {
    const shares = new Map<string, number>();
    for (const s of sites) {
      const o = ownerOf(s, ['a', 'b', 'c'])!;
      expect(ownerOf(s, ['c', 'a', 'b'])).toBe(o);
      shares.set(o, (shares.get(o) ?? 0) + 1);
    }
    expect([...shares.values()].every((n) => n > 40)).toBe(true);
  });
});
