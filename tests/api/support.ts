/** A real store (PGlite copied from the migrated template, or PostgreSQL) under a built, not listening, API. */
import { rmSync } from 'node:fs';
import pino from 'pino';
import type { App } from '../../src/api/context.ts';
import { type ApiDeps, buildApp } from '../../src/api/index.ts';
import { openRecords, type Records } from '../../src/records/index.ts';
import { openServiceDesk, type ServiceDesk } from '../../src/records/service/index.ts';
import { tempDir } from '../support/servers.ts';
import { lendStore, storeDataDir } from '../support/shared-store.ts';

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
  // The data directory holds what the API keeps beside its store (the admin token file); the
  // embedded store itself is one the worker keeps open, lent to this API until it closes.
  const dataDir = opts.databaseUrl ? tempDir('api') : storeDataDir('api');
  const db = opts.databaseUrl ? undefined : await lendStore();
  const clock = { t: Date.parse('2025-03-03T01:00:00Z') };
  const now = () => clock.t;
  const records = await openRecords({ databaseUrl: opts.databaseUrl, dataDir, db, log: silent, now });
  const desk =
    opts.desk === false ? undefined : openServiceDesk({ db: records.db, log: silent, now, lang: 'en' });
  const { options, ...rest } = opts.deps ?? {};
  const app = buildApp({
    records,
    desk,
    log: opts.log ?? silent,
    now,
    options: {
      dataDir,
      adminToken: ADMIN,
      rateLimitMax: 0,
      ...options,
      console: { passwordCost: TEST_PASSWORD_COST, ...options?.console },
    },
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
/**
 * Staff password hashes in test APIs: scrypt at 1/64 of the production cost (1 MiB instead of
 * 64 MiB), since every sign-in of the suite pays it. replicaOf keeps the production cost, and
 * tests/console/sign-in.test.ts checks a login stored through it.
 */
export const TEST_PASSWORD_COST = { N: 1024, r: 8, p: 1 };

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
