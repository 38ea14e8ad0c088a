/**
 * A year of maintenance plans on the embedded store: in the integration project, as it works a
 * simulated year through (about 40 s of CPU), too long for the fast loop. PostgreSQL runs it in
 * postgres.test.ts with the rest of the desk.
 */
import { rmSync } from 'node:fs';
import { migratedDataDir } from '../../support/store.ts';
import { serviceSuite } from './harness.ts';
import { planTests } from './plans.ts';

let dir: string;
serviceSuite(
  'embedded PGlite',
  async () => {
    dir = migratedDataDir('service-plans');
    return { dataDir: dir };
  },
  async () => rmSync(dir, { recursive: true, force: true }),
  [planTests],
);
