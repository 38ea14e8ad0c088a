/** startApi listens on loopback and stops gracefully: in-flight requests finish, new ones are refused. */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startApi } from '../../src/api/index.ts';
import { openRecords } from '../../src/records/index.ts';
import { lendStore, storeDataDir } from '../support/shared-store.ts';
import { ADMIN, silent } from './support.ts';

describe('startApi', () => {
  it('finishes in-flight requests on stop and then refuses connections', async () => {
    const dataDir = storeDataDir('api-server');
    const records = await openRecords({ dataDir, db: await lendStore(), log: silent });
    let release!: () => void;
    const entered = new Promise<void>((resolve) => {
      release = resolve;
    });
    const api = await startApi({
      records,
      log: silent,
      now: Date.now,
      // A grace longer than the test's timeout: stop() must not need it.
      options: { dataDir, port: 0, adminToken: ADMIN, shutdownGraceMs: 120_000 },
      influx: async () => {
        release();
        await new Promise((r) => setTimeout(r, 300));
        return [{ name: 'lift', columns: ['time', 'speed_mps'], values: [[0, 1]] }];
      },
    });
    expect(api.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    await fetch(`${api.address}/sites`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id: 's', name: 'S' }),
    });
    await fetch(`${api.address}/devices`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id: 'L1', site: 's', kind: 'lift' }),
    });
    const slow = fetch(`${api.address}/devices/L1/history?from=2025-01-01T00:00:00Z`, { headers });
    await entered;
    const stopped = api.stop();
    const res = await slow;
    expect(res.status).toBe(200);
    // Its keep-alive connection closes after the answer instead of holding stop() for the grace.
    expect(res.headers.get('connection')).toBe('close');
    expect(((await res.json()) as { points: unknown[] }).points).toHaveLength(1);
    await stopped;
    await expect(fetch(`${api.address}/health`)).rejects.toThrow();
    await records.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});
