import { afterAll, beforeAll } from 'vitest';
import { type RunningServer, startPostgres } from '../support/servers.ts';
import { dutyApiSuite } from './duty.suite.ts';

let pg: RunningServer & { url: string };
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => pg?.stop());
dutyApiSuite('PostgreSQL', () => pg.url);
