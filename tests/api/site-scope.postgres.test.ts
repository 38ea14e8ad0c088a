import { afterAll, beforeAll } from 'vitest';
import { type RunningServer, startPostgres } from '../support/servers.ts';
import { siteScopeSuite } from './site-scope.suite.ts';

let pg: RunningServer & { url: string };
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => pg?.stop());
siteScopeSuite('PostgreSQL', () => pg.url);
