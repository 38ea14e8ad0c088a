/** The first admin token: from the environment, or generated once into the data directory. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.ts';
import { openRecords, type Records } from '../../src/records/index.ts';
import { captureLog } from '../support/log.ts';
import { lendStore, storeDataDir } from '../support/shared-store.ts';
import { silent } from './support.ts';

describe('first admin token', () => {
  let records: Records | undefined;
  afterEach(async () => {
    await records?.close();
    records = undefined;
  });

  async function start(dataDir: string, adminToken?: string) {
    const logs = captureLog();
    records ??= await openRecords({ dataDir, db: await lendStore(), log: silent });
    const app = buildApp({ records, log: logs.log, now: Date.now, options: { dataDir, adminToken } });
    await app.ready();
    return { app, logs };
  }

  it('is generated once into <dataDir>/admin-token with mode 0600 and never logged in full', async () => {
    const dataDir = storeDataDir('api-boot');
    const { app, logs } = await start(dataDir);
    const file = join(dataDir, 'admin-token');
    const token = readFileSync(file, 'utf8').trim();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(token).toMatch(/^fm_admin_/);
    expect(logs.text()).not.toContain(token);
    expect(logs.text()).toContain('fm_admin');
    expect(logs.text()).toContain(file);
    const me = await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.json()).toMatchObject({ userId: 'admin', roles: ['admin'] });
    await app.close();
    const second = await start(dataDir);
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    await second.app.close();
  });

  it('comes from FM_ADMIN_TOKEN, replaces an earlier one, and stays revoked once revoked', async () => {
    const dataDir = storeDataDir('api-boot');
    const first = `fm_admin_${'b'.repeat(40)}`;
    const { app, logs } = await start(dataDir, first);
    expect(logs.text()).not.toContain(first);
    const auth = (tok: string) => ({ authorization: `Bearer ${tok}` });
    expect((await app.inject({ url: '/me', headers: auth(first) })).statusCode).toBe(200);
    await app.close();
    const next = `env-chosen-admin-token-${'c'.repeat(20)}`;
    const second = await start(dataDir, next);
    expect((await second.app.inject({ url: '/me', headers: auth(first) })).statusCode).toBe(401);
    expect((await second.app.inject({ url: '/me', headers: auth(next) })).statusCode).toBe(200);
    await second.app.inject({ method: 'POST', url: '/tokens/admin/revoke', headers: auth(next) });
    await second.app.close();
    const third = await start(dataDir, next);
    expect((await third.app.inject({ url: '/me', headers: auth(next) })).statusCode).toBe(401);
    expect(third.logs.text()).toMatch(/stays revoked/);
    await third.app.close();
  });

  it('refuses a short FM_ADMIN_TOKEN', async () => {
    const dataDir = storeDataDir('api-boot');
    records = await openRecords({ dataDir, db: await lendStore(), log: silent });
    expect(() =>
      buildApp({
        records: records!,
        log: silent,
        now: Date.now,
        options: { dataDir, adminToken: 'short' },
      }),
    ).toThrow(/at least 32 characters/);
  });
});
