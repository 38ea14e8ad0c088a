import { afterAll, beforeAll } from 'vitest';
import { type RunningServer, startPostgres } from '../support/servers.ts';
import { roundsApiSuite } from './rounds.suite.ts';

let pg: RunningServer & { url: string };
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => pg?.stop());
roundsApiSuite('PostgreSQL', () => pg.url);
