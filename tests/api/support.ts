/** A real store (PGlite copied from the migrated template, or PostgreSQL) under a built, not listening, API. */
import { rmSync } from 'node:fs';
import pino from 'pino';
import type { App } from '../../src/api/context.ts';
import { type ApiDeps, buildApp } from '../../src/api/index.ts';
import { openRecords, type Records } from '../../src/records/index.ts';
import { openServiceDesk, type ServiceDesk } from '../../src/records/service/index.ts';
import { tempDir } from '../support/servers.ts';
import { migratedDataDir } from '../support/store.ts';

export const silent = pino({ level: 'silent' });
export const ADMIN = `fm_admin_${'a'.repeat(43)}`;

export interface TestApi {
  app: App;
  records: Records;
  desk: ServiceDesk | undefined;
  dataDir: string;
  clock: { t: number };
  /** Issues a token through the API as the admin. */
  token(roles: string[], userId?: string): Promise<string>;
  /** inject() with a bearer token. */
  call(
    token: string | undefined,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
  ): Promise<{
    statusCode: number; // biome-ignore lint/suspicious/noExplicitAny: test bodies are checked field by field
    json: () => any;
    body: string;
    headers: Record<string, unknown>;
  }>;
  close(): Promise<void>;
}

export async function openTestApi(
  opts: {
    databaseUrl?: string;
    /** Open the service desk on the same store (default true). */
    desk?: boolean;
    log?: ApiDeps['log'];
    deps?: Partial<Omit<ApiDeps, 'records' | 'log' | 'now'>>;
  } = {},
): Promise<TestApi> {
  // With PostgreSQL the data directory holds only the admin token file.
  const dataDir = opts.databaseUrl ? tempDir('api') : migratedDataDir('api');
  const clock = { t: Date.parse('2025-03-03T01:00:00Z') };
  const now = () => clock.t;
  const records = await openRecords({ databaseUrl: opts.databaseUrl, dataDir, log: silent, now });
  const desk =
    opts.desk === false ? undefined : openServiceDesk({ db: records.db, log: silent, now, lang: 'en' });
  const { options, ...rest } = opts.deps ?? {};
  const app = buildApp({
    records,
    desk,
    log: opts.log ?? silent,
    now,
    options: { dataDir, adminToken: ADMIN, rateLimitMax: 0, ...options },
    ...rest,
  });
  await app.ready();
  const call: TestApi['call'] = (token, method, url, body) =>
    app.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(body === undefined ? {} : { payload: body as object }),
    });
  let n = 0;
  return {
    app,
    records,
    desk,
    dataDir,
    clock,
    call,
    token: async (roles, userId = `user-${++n}`) => {
      const res = await call(ADMIN, 'POST', '/tokens', { userId, roles });
      if (res.statusCode !== 201) throw new Error(`token: ${res.statusCode} ${res.body}`);
      return res.json().token as string;
    },
    close: async () => {
      await app.close();
      await records.close().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A second API process on the same store and clock (as a replica behind a load balancer): what it
 * shares with the first must live in the database. Close it with `app.close()`.
 */
export async function replicaOf(t: TestApi): Promise<App> {
  const replica = buildApp({
    records: t.records,
    desk: t.desk,
    log: silent,
    now: () => t.clock.t,
    options: { dataDir: t.dataDir, adminToken: ADMIN, rateLimitMax: 0 },
  });
  await replica.ready();
  return replica;
}
