/**
 * Site ownership among rules workers (rules/ownership.ts) on the embedded store: the lease SQL is
 * the same on PostgreSQL (tests/rules/handover.test.ts runs it there with worker processes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecords, type Records } from '../../src/records/index.ts';
import { ownerOf, SiteOwnership } from '../../src/rules/ownership.ts';
import { lendStore, storeDataDir } from '../support/shared-store.ts';
import { silent } from './support.ts';

const HOUR = 3_600_000;

describe('SiteOwnership', () => {
  let records: Records;
  const started: SiteOwnership[] = [];
  beforeAll(async () => {
    records = await openRecords({ dataDir: storeDataDir('ownership'), db: await lendStore(), log: silent });
    for (const id of ['o1', 'o2']) await records.addSite({ id, name: id });
  });
  afterAll(async () => {
    for (const o of started) await o.stop();
    await records?.close();
  });

  const worker = (workerId: string, sites?: string[]) => {
    const taken: string[] = [];
    const o = new SiteOwnership({
      db: records.db,
      workerId,
      ttlMs: HOUR, // renewals on the hour: the test drives rounds with rebalance()
      log: silent,
      sites,
      claimed: async (s) => {
        taken.push(...s);
      },
      handOver: async () => {},
      lost: () => {},
    });
    started.push(o);
    return { o, taken };
  };

  it('chooses each site\u2019s owner among the workers that may hold it (FM_RULES_SITES)', async () => {
    // Unrestricted, rendezvous hashing would give o1 to wa; but wa may only hold o2.
    expect(ownerOf('o1', ['wa', 'wb'])).toBe('wa');
    const a = worker('wa', ['o2']);
    const b = worker('wb', ['o1']);
    await a.o.start();
    await b.o.start();
    await a.o.rebalance();
    expect([...a.o.held]).toEqual(['o2']);
    expect([...b.o.held]).toEqual(['o1']);
    expect(b.taken).toEqual(['o1']);
  });
});
