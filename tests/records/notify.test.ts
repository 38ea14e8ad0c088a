/**
 * Database notifications (records/notify.ts, Db.listen): committed NOTIFYs reach listeners of
 * another connection (another process, for PostgreSQL) and of the one embedded PGlite; a listener
 * whose PostgreSQL connection dropped is told to catch up once it is back, and hears again.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRecords, type Records } from '../../src/records/index.ts';
import { startPgAgain, stopPg } from '../rules/pg-control.ts';
import { until } from '../rules/support.ts';
import { type RunningServer, startPostgres, tempDir } from '../support/servers.ts';

const silent = pino({ level: 'silent' });

describe('Db.listen', () => {
  let pg: RunningServer & { url: string };
  const open: Records[] = [];
  const store = async (databaseUrl?: string) => {
    const r = await openRecords({ databaseUrl, dataDir: tempDir('notify'), log: silent });
    open.push(r);
    return r;
  };
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    for (const r of open) await r.close().catch(() => {});
    await pg?.stop();
  });

  it('hears what the embedded database commits', async () => {
    const r = await store();
    const heard: string[] = [];
    const stop = await r.db.listen('fm_test', (p) => heard.push(p));
    await r.db.transaction((tx) => tx.query("SELECT pg_notify('fm_test', 'one')"));
    await until('the notification', () => heard.length === 1);
    await stop();
    await r.db.query("SELECT pg_notify('fm_test', 'two')");
    expect(heard).toEqual(['one']);
  });

  it('hears another connection, and catches up after the server was away', async () => {
    const listener = await store(pg.url);
    const writer = await store(pg.url);
    const heard: string[] = [];
    let reconnects = 0;
    await listener.db.listen(
      'fm_test',
      (p) => heard.push(p),
      () => reconnects++,
    );
    await writer.db.query("SELECT pg_notify('fm_test', 'before')");
    await until('the first notification', () => heard.includes('before'));
    await stopPg(pg);
    await startPgAgain(pg);
    await until('the listener back', () => reconnects === 1, 20_000);
    await until(
      'the writer back',
      async () =>
        await writer.db.query('SELECT 1').then(
          () => true,
          () => false,
        ),
    );
    await writer.db.query("SELECT pg_notify('fm_test', 'after')");
    await until('the notification after the restart', () => heard.includes('after'));
    expect(heard).toEqual(['before', 'after']);
  }, 60_000);
});
