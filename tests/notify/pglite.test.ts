import { rmSync } from 'node:fs';
import { lendStore, storeDataDir } from '../support/shared-store.ts';
import { escalationTests } from './escalation.ts';
import { notifySuite } from './harness.ts';
import { outboxTests } from './outbox.ts';

let dir: string;
notifySuite(
  'embedded PGlite',
  async () => {
    dir = storeDataDir('notify');
    return { dataDir: dir, db: await lendStore() };
  },
  async () => rmSync(dir, { recursive: true, force: true }),
  [outboxTests, escalationTests],
);
