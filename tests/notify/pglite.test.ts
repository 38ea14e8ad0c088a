import { rmSync } from 'node:fs';
import { migratedDataDir } from '../support/store.ts';
import { escalationTests } from './escalation.ts';
import { notifySuite } from './harness.ts';
import { outboxTests } from './outbox.ts';

let dir: string;
notifySuite(
  'embedded PGlite',
  async () => {
    dir = migratedDataDir('notify');
    return { dataDir: dir };
  },
  async () => rmSync(dir, { recursive: true, force: true }),
  [outboxTests, escalationTests],
);
