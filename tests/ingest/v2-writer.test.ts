/**
 * The v2 write API path (Debian's 1.6 has no /api/v2/write, so a small HTTP server stands in) and
 * the sink's handling of answers retrying cannot fix: 400 isolates and drops only the refused line,
 * 401 keeps everything in the spool.
 */

import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { emptyCounters } from '../../src/ingest/counters.ts';
import { ingestOptionsFromConfig } from '../../src/ingest/from-config.ts';
import { createLineWriter } from '../../src/ingest/influx.ts';
import { Sink } from '../../src/ingest/sink.ts';
import { Spool } from '../../src/ingest/spool.ts';
import { createLogger } from '../../src/log.ts';
import { tempDir } from '../support/servers.ts';
import { waitFor } from './support.ts';

const log = createLogger({ level: 'silent', format: 'json' });
let server: Server;
let url: string;
let status = 204;
const stored: string[] = [];
const requests: { path: string; auth?: string }[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ path: req.url!, auth: req.headers.authorization });
      const lines = body.split('\n');
      if (status !== 204) res.writeHead(status).end('{"error":"unauthorized"}');
      else if (lines.some((l) => l.includes('BAD')))
        res.writeHead(400).end('{"error":"partial write: field type conflict"}');
      else {
        stored.push(...lines);
        res.writeHead(204).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function sinkFor(dataDir: string) {
  const options = ingestOptionsFromConfig({
    FM_DATA_DIR: dataDir,
    FM_INFLUX_URL: url,
    FM_INFLUX_MODE: 'v2',
    FM_INFLUX_TOKEN: 'tok',
    FM_INFLUX_ORG: 'estate',
    FM_INFLUX_BUCKET: 'readings',
    FM_INGEST_BATCH_SIZE: 100,
    FM_INGEST_BATCH_LINGER_MS: 0,
    FM_INGEST_MEMORY_LINES: 1000,
    FM_INGEST_SPOOL_MAX_BYTES: 1e8,
    FM_INGEST_RETRY_MAX_MS: 300,
    FM_INGEST_REJECTS_KEPT: 10,
  });
  const counters = emptyCounters();
  const refused: string[] = [];
  const spool = await Spool.open(`${dataDir}/ingest-spool`, 1e6, 1e8, log);
  const sink = new Sink({
    writer: createLineWriter(options.influx!, 5000, options.replayBatchSize),
    spool,
    options: { ...options, retryMinMs: 50 },
    log,
    counters,
    now: Date.now,
    onRefused: (line) => refused.push(line),
  });
  return { sink, counters, refused, spool };
}

it('writes through /api/v2/write with the token; a refused line is isolated and dropped, the rest written', async () => {
  const dir = tempDir('v2');
  dirs.push(dir);
  const { sink, counters, refused } = await sinkFor(dir);
  let acked = 0;
  const lines = Array.from({ length: 40 }, (_, i) =>
    i === 17 ? `m,d=x f="BAD" ${i}` : `m,d=x f=${i}i ${i}`,
  );
  for (const l of lines) sink.add(l, () => acked++);
  await waitFor('all acked', () => acked === 40, 5000);
  expect(requests[0]).toEqual({
    path: '/api/v2/write?org=estate&bucket=readings&precision=ms',
    auth: 'Token tok',
  });
  expect(refused).toEqual(['m,d=x f="BAD" 17']);
  expect(counters.dropped['refused-line']).toBe(1);
  expect(new Set(stored)).toEqual(new Set(lines.filter((_, i) => i !== 17)));
  await sink.stop();
});

it('on 401 keeps the readings in the spool, acknowledged, and writes them once fixed', async () => {
  const dir = tempDir('v2');
  dirs.push(dir);
  stored.length = 0;
  status = 401;
  const { sink, counters } = await sinkFor(dir);
  let acked = 0;
  for (let i = 0; i < 30; i++) sink.add(`m,d=y f=${i}i ${i}`, () => acked++);
  await waitFor('acked from the spool', () => acked === 30, 5000);
  expect(counters.writeErrors.auth).toBeGreaterThan(0);
  expect(counters.spooled).toBe(30);
  expect(stored).toEqual([]);
  status = 204;
  await waitFor('replayed', () => counters.replayed === 30, 5000);
  expect(stored).toEqual(Array.from({ length: 30 }, (_, i) => `m,d=y f=${i}i ${i}`));
  await sink.stop();
});
