import pg from 'pg';
import type { Db, Queryable } from './db.ts';
import { PgListener } from './notify.ts';

/** PostgreSQL through a pg.Pool; a transaction holds one pooled client from BEGIN to COMMIT. */
export async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client's connection error (server restart) would otherwise crash the process.
  pool.on('error', () => {});
  const wrap = (q: pg.Pool | pg.PoolClient): Queryable => ({
    query: async <T>(sql: string, params?: unknown[]) => (await q.query(sql, params)).rows as T[],
    exec: async (sql: string) => {
      await q.query(sql);
    },
  });
  // Fail at open, with the server's reason, rather than at the first domain call.
  await pool.query('SELECT 1').catch(async (err) => {
    await pool.end();
    throw err;
  });
  const listener = new PgListener(url);
  return {
    engine: 'postgres',
    ...wrap(pool),
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    listen: (channel, onNotify, onReconnect) => listener.listen(channel, onNotify, onReconnect),
    close: async () => {
      await listener.close();
      await pool.end();
    },
  };
}
