import { rmSync } from 'node:fs';
import { migratedDataDir } from '../../support/store.ts';
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
    dir = migratedDataDir('service');
    return { dataDir: dir };
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
