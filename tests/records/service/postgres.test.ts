import { type RunningServer, startPostgres, tempDir } from '../../support/servers.ts';
import { clockTests } from './clock.ts';
import { serviceSuite } from './harness.ts';
import { incidentTests } from './incidents.ts';
import { lifecycleTests } from './lifecycle.ts';
import { patrolTests } from './patrol.ts';
import { meterResetTests } from './plan-meters.ts';
import { planTests } from './plans.ts';
import { roundsTests } from './rounds.ts';
import { sourcesTests } from './sources.ts';
import { statsTests } from './stats.ts';

let pg: RunningServer & { url: string };
serviceSuite(
  'PostgreSQL',
  async () => {
    pg = await startPostgres();
    return { databaseUrl: pg.url, dataDir: tempDir('service-pg') };
  },
  async () => pg?.stop(),
  [
    lifecycleTests,
    clockTests,
    sourcesTests,
    patrolTests,
    statsTests,
    incidentTests,
    planTests,
    meterResetTests,
    roundsTests,
  ],
);
