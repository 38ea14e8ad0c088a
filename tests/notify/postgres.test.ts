import { type RunningServer, startPostgres, tempDir } from '../support/servers.ts';
import { escalationTests } from './escalation.ts';
import { notifySuite } from './harness.ts';
import { outboxTests } from './outbox.ts';

let pg: RunningServer & { url: string };
notifySuite(
  'PostgreSQL',
  async () => {
    pg = await startPostgres();
    return { databaseUrl: pg.url, dataDir: tempDir('notify-pg') };
  },
  async () => pg?.stop(),
  [outboxTests, escalationTests],
);
