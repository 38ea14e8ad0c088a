import { type RunningServer, startPostgres, tempDir } from '../support/servers.ts';
import { commandStoreSuite } from './store.suite.ts';

let pg: RunningServer & { url: string };
commandStoreSuite(
  'PostgreSQL',
  async () => {
    pg = await startPostgres();
    return { databaseUrl: pg.url, dataDir: tempDir('commands-pg') };
  },
  async () => pg?.stop(),
);
