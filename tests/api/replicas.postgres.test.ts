/**
 * API replicas on one PostgreSQL (issue 17): each replica in its own process. The live stream of
 * one replica carries the changes made through another and those a rules worker made; the SLA clock
 * runs in one replica (its lease), a breach is streamed once, and a breach still fires after the
 * replica running the clock is SIGKILLed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { createConnection, createServer, type Server } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openRecords, type Records } from '../../src/records/index.ts';
import { openServiceDesk, type ServiceDesk } from '../../src/records/service/index.ts';
import { RULES_ACTOR } from '../../src/rules/actions.ts';
import { type RunningServer, startPostgres, tempDir } from '../support/servers.ts';
import { openSse } from '../support/sse.ts';
import { ADMIN } from './support.ts';

const TTL_MS = 1500;
const DISPATCH_MS = 1500;
const HOUR = 3_600_000;
const silent = pino({ level: 'silent' });
const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

type Replica = { child: ChildProcess; address: string };
type Event = {
  event: string;
  data: {
    action?: string;
    actor?: string;
    record?: { id: number; evidence?: { readings?: unknown[] } };
    breach?: { subjectId: number; step: string };
  };
};

let pg: RunningServer & { url: string };
let worker: { records: Records; desk: ServiceDesk };
const children = new Set<ChildProcess>();
const streams: IncomingMessage[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  const records = await openRecords({ databaseUrl: pg.url, dataDir: tempDir('replicas'), log: silent });
  worker = { records, desk: openServiceDesk({ db: records.db, log: silent, lang: 'en' }) };
  await records.addSite({ id: 'estate-r', name: 'Estate R', timezone: 'Asia/Shanghai' });
  await records.addDevice({
    id: 'r-L1',
    site: 'estate-r',
    kind: 'lift',
    intervalS: 10,
    secret: 'r'.repeat(24),
  });
}, 60_000);

afterAll(async () => {
  for (const s of streams) s.destroy();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await worker?.records.close();
  await pg?.stop();
});

function spawnReplica(databaseUrl = pg.url): Promise<Replica> {
  const child = spawn(process.execPath, ['bin/run-ts.js', 'tests/api/fixtures/run-replica.ts'], {
    env: {
      ...process.env,
      FM_TEST_DATABASE_URL: databaseUrl,
      FM_TEST_DATA_DIR: tempDir('replica'),
      FM_TEST_LOG: process.env.FM_TEST_LOG ?? 'error',
      FM_TEST_ADMIN_TOKEN: ADMIN,
      FM_TEST_LEASE_TTL_MS: String(TTL_MS),
      // Only the dispatch deadline is short: the one breach each call record makes here.
      FM_TEST_DEADLINES: JSON.stringify({ record: HOUR, dispatch: DISPATCH_MS, emergency_relay: HOUR }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      const m = /ready (\S+)/.exec(b.toString());
      if (m) resolve({ child, address: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`replica exited with ${code}`)));
  });
}

/** Opens GET /stream and collects its events. */
async function stream(r: Replica): Promise<Event[]> {
  const { res, events } = await openSse<Event['data']>(`${r.address}/stream`, headers);
  streams.push(res);
  expect(res.statusCode).toBe(200);
  return events;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function callRecord(r: Replica, content: string): Promise<number> {
  const res = await fetch(`${r.address}/records`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      site: 'estate-r',
      source: 'call',
      type: 'inquiry',
      trade: 'customer_service',
      content,
    }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { record: { id: number } }).record.id;
}

const recordEvents = (events: Event[], id: number) =>
  events.filter((e) => e.event === 'record' && e.data.record?.id === id);
const breaches = (events: Event[], id: number) =>
  events.filter((e) => e.event === 'breach' && e.data.breach?.subjectId === id);

/** The pid in the SLA clock's lease holder (`host:pid:suffix`), once one holds it. */
async function clockPid(): Promise<number | undefined> {
  const [row] = await worker.records.db.query<{ holder: string }>(
    "SELECT holder FROM leases WHERE name = 'job:sla-clock' AND expires_at > now()",
  );
  return row ? Number(row.holder.split(':').at(-2)) : undefined;
}

it('streams every change on every replica, runs the SLA clock once and fails it over', async () => {
  const [a, b] = await Promise.all([spawnReplica(), spawnReplica()]);
  const [onA, onB] = await Promise.all([stream(a), stream(b)]);

  // Made through A: on B's stream (and on A's, once).
  const viaA = await callRecord(a, 'Lobby door sticks');
  await until('the change made on A, on B', () => recordEvents(onB, viaA).length > 0);
  // Made by a rules worker (another process's desk): on both streams.
  const fault = await worker.desk.raiseDeviceFault(
    {
      deviceId: 'r-L1',
      faultCode: 'alarm_button',
      priority: 'normal',
      trade: 'engineering',
      idempotencyKey: 'r-L1/alarm_button/1',
      occurredAt: new Date(),
      // Larger than one notification may carry (8000 bytes): announced by id and read back.
      evidence: { readings: Array.from({ length: 400 }, (_, i) => ({ ts: i, speed_mps: 1.25 })) },
    },
    RULES_ACTOR,
  );
  await until('the rules worker\u2019s record, on A and B', () =>
    [onA, onB].every((s) => recordEvents(s, fault.record.id).some((e) => e.data.actor === 'rules')),
  );
  expect(recordEvents(onB, fault.record.id)[0]!.data.record!.evidence!.readings).toHaveLength(400);

  // The dispatch deadline passes: one breach, on each stream once, from the one running clock.
  await until('the breach of the record made on A', () => breaches(onB, viaA).length > 0, 10_000);
  await new Promise((r) => setTimeout(r, 1000)); // a second clock would have fired by now
  for (const s of [onA, onB]) {
    expect(breaches(s, viaA)).toHaveLength(1);
    expect(recordEvents(s, viaA).filter((e) => e.data.action === 'create')).toHaveLength(1);
  }
  const [row] = await worker.records.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM service_history WHERE subject = 'record' AND subject_id = $1 AND action = 'breach'",
    [viaA],
  );
  expect(row?.n).toBe(1);

  // The replica running the clock dies: the other takes the clock over and the next breach fires.
  const pid = await clockPid();
  const [leader, survivor, survivorStream] = pid === a.child.pid ? [a, b, onB] : [b, a, onA];
  expect([a.child.pid, b.child.pid]).toContain(pid);
  leader.child.kill('SIGKILL');
  await new Promise((r) => leader.child.once('exit', r));
  const afterKill = await callRecord(survivor, 'Parcel room light out');
  await until(
    'the breach after the clock\u2019s replica died',
    () => breaches(survivorStream, afterKill).length > 0,
    DISPATCH_MS + 3 * TTL_MS + 3000,
  );
  expect(await clockPid()).toBe(survivor.child.pid);
  await new Promise((r) => setTimeout(r, 500));
  expect(breaches(survivorStream, afterKill)).toHaveLength(1);
}, 90_000);

/**
 * A TCP relay to PostgreSQL that holds back, by `delayMs`, what a client sends from its LISTEN on
 * (and everything after it, in order): a replica whose LISTEN is slow to take effect.
 */
async function slowListen(target: string, delayMs: number): Promise<{ url: string; server: Server }> {
  const url = new URL(target);
  const server = createServer((client) => {
    const upstream = createConnection(Number(url.port), url.hostname);
    let held: Promise<void> = Promise.resolve();
    client.on('data', (chunk) => {
      if (chunk.includes('LISTEN')) held = held.then(() => new Promise((r) => setTimeout(r, delayMs)));
      held = held.then(() => void upstream.write(chunk));
    });
    upstream.pipe(client);
    for (const s of [client, upstream]) s.on('error', () => (s === client ? upstream : client).destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `${url.protocol}//${url.username}:${url.password}@127.0.0.1:${port}${url.pathname}`, server };
}

it("shows on a stream every change made after it opened, though the replica's LISTEN was slow", async () => {
  const relay = await slowListen(pg.url, 4000);
  try {
    const replica = await spawnReplica(relay.url);
    const events = await stream(replica);
    // Another process's change, made at once: it is announced to the listeners PostgreSQL has then.
    const fault = await worker.desk.raiseDeviceFault(
      {
        deviceId: 'r-L1',
        faultCode: 'door_open_failure',
        priority: 'normal',
        trade: 'engineering',
        idempotencyKey: 'r-L1/door_open_failure/1',
        occurredAt: new Date(),
      },
      RULES_ACTOR,
    );
    await until('the change made right after the stream opened', () =>
      recordEvents(events, fault.record.id).some((e) => e.data.action === 'create'),
    );
    replica.child.kill('SIGKILL');
  } finally {
    relay.server.close();
  }
}, 60_000);
