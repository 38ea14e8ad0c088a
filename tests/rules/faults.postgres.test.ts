import { afterAll, beforeAll } from 'vitest';
import { type RunningServer, startPostgres } from '../support/servers.ts';
import { faultsSuite } from './faults.suite.ts';

let pg: RunningServer & { url: string };
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
});
// Low-priority faults close themselves here (RulesOptions.selfCloseLow); on PGlite they stay open.
faultsSuite('PostgreSQL', () => pg.url, true);
