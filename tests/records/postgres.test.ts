import { type RunningServer, startPostgres, tempDir } from '../support/servers.ts';
import { recordsSuite } from './suite.ts';

let pg: RunningServer & { url: string };
recordsSuite(
  'PostgreSQL',
  async () => {
    pg = await startPostgres();
    // dataDir is unused with a database URL; give it a real one to prove nothing is written there.
    const dataDir = tempDir('records-pg');
    return { options: () => ({ databaseUrl: pg.url, dataDir }) };
  },
  async () => pg?.stop(),
);
