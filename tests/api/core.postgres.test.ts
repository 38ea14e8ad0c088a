import { afterAll, beforeAll } from 'vitest';
import { type RunningServer, startPostgres } from '../support/servers.ts';
import { coreSuite } from './core.suite.ts';
import { recordsApiSuite } from './records.suite.ts';

let pg: RunningServer & { url: string };
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => pg?.stop());
coreSuite('PostgreSQL', () => pg.url);
recordsApiSuite('PostgreSQL', () => pg.url);
