/** The live stream delivers a record change, beats its heart, and ends cleanly on shutdown. */
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startApi } from '../../src/api/index.ts';
import { openRecords } from '../../src/records/index.ts';
import { openServiceDesk } from '../../src/records/service/index.ts';
import { lendStore, storeDataDir } from '../support/shared-store.ts';
import { ADMIN, openTestApi, silent } from './support.ts';

describe('GET /stream', () => {
  it('delivers changes as server-sent events and closes on stop', { timeout: 90_000 }, async () => {
    const dataDir = storeDataDir('api-stream');
    const records = await openRecords({ dataDir, db: await lendStore(), log: silent });
    const desk = openServiceDesk({ db: records.db, log: silent });
    const api = await startApi({
      records,
      desk,
      log: silent,
      now: Date.now,
      options: { dataDir, port: 0, adminToken: ADMIN, sseHeartbeatS: 0.1 },
    });
    const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const post = (url: string, body: unknown) =>
      fetch(`${api.address}${url}`, { method: 'POST', headers, body: JSON.stringify(body) });
    await post('/sites', { id: 'estate-1', name: 'S' });
    await post('/sites', { id: 'estate-2', name: 'T' });

    let text = '';
    let ended = false;
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(`${api.address}/stream?site=estate-1`, { headers }, resolve);
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
    });
    res.on('end', () => {
      ended = true;
    });
    const waitFor = async (test: () => boolean) => {
      const deadline = Date.now() + 5000;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`timed out; stream so far:\n${text}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitFor(() => text.includes(': connected'));
    const call = { source: 'call', type: 'repair', trade: 'engineering', content: 'Corridor light out' };
    await post('/records', { ...call, site: 'estate-2' }); // another site: filtered out
    const created = (await (await post('/records', { ...call, site: 'estate-1' })).json()) as {
      record: { id: number };
    };
    await waitFor(() => text.includes('event: record'));
    const event = text.split('\n\n').find((e) => e.includes('event: record'))!;
    const data = JSON.parse(
      event
        .split('\n')
        .find((l) => l.startsWith('data: '))!
        .slice(6),
    );
    expect(data).toMatchObject({
      action: 'create',
      actor: 'admin',
      record: { id: created.record.id, site: 'estate-1' },
    });
    expect(text).not.toContain('estate-2');
    await waitFor(() => text.includes(': heartbeat'));

    const started = Date.now();
    await api.stop();
    await waitFor(() => ended);
    expect(Date.now() - started).toBeLessThan(3000);
    await records.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});

describe('stream tickets (EventSource cannot send a header)', () => {
  it('open one stream within a minute, once, and nothing else', { timeout: 60_000 }, async () => {
    const api = await openTestApi();
    try {
      const desk = await api.token(['front_desk']);
      expect((await api.call(undefined, 'POST', '/stream/tickets')).statusCode).toBe(401);
      const issue = async () => {
        const res = await api.call(desk, 'POST', '/stream/tickets');
        expect(res.statusCode).toBe(201);
        return res.json() as { ticket: string; expiresAt: string };
      };
      const { ticket, expiresAt } = await issue();
      expect(Date.parse(expiresAt) - api.clock.t).toBe(60_000);

      // A real connection: the stream never ends by itself, so inject() cannot read it.
      const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
      const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
        const req = request(`${address}/stream?ticket=${ticket}`, resolve);
        req.on('error', reject);
        req.end();
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      res.destroy();

      const again = await api.call(undefined, 'GET', `/stream?ticket=${ticket}`);
      expect(again.statusCode).toBe(401);
      expect(again.json().error.code).toBe('unauthorized');

      const late = await issue();
      api.clock.t += 60_001;
      expect((await api.call(undefined, 'GET', `/stream?ticket=${late.ticket}`)).statusCode).toBe(401);

      // Only the stream takes tickets.
      const other = await issue();
      expect((await api.call(undefined, 'GET', `/records?ticket=${other.ticket}`)).statusCode).toBe(401);
      expect((await api.call(undefined, 'GET', '/stream?ticket=made-up')).statusCode).toBe(401);
    } finally {
      await api.close();
    }
  });
});
