import { rmSync } from 'node:fs';
import { lendStore, storeDataDir } from '../../support/shared-store.ts';
import { clockTests } from './clock.ts';
import { serviceSuite } from './harness.ts';
import { incidentTests } from './incidents.ts';
import { lifecycleTests } from './lifecycle.ts';
import { patrolTests } from './patrol.ts';
import { meterResetTests } from './plan-meters.ts';
import { roundsTests } from './rounds.ts';
import { sourcesTests } from './sources.ts';
import { statsTests } from './stats.ts';

let dir: string;
serviceSuite(
  'embedded PGlite',
  async () => {
    dir = storeDataDir('service');
    return { dataDir: dir, db: await lendStore() };
  },
  async () => rmSync(dir, { recursive: true, force: true }),
  [
    lifecycleTests,
    clockTests,
    sourcesTests,
    patrolTests,
    statsTests,
    incidentTests,
    meterResetTests,
    roundsTests,
  ],
);
