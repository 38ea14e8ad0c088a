/**
 * The delivery log through the API (per record, per alert, per person, with their OpenAPI schemas)
 * and the notification counters on /metrics, against a real webhook receiver.
 */
import { rmSync } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.ts';
import type { App } from '../../src/api/context.ts';
import { startNotify } from '../../src/notify/index.ts';
import { openRecords, type Records } from '../../src/records/index.ts';
import { openServiceDesk, type ServiceDesk } from '../../src/records/service/index.ts';
import { lendStore, storeDataDir } from '../support/shared-store.ts';
import { notifyOptions } from './harness.ts';
import { type Receivers, startReceivers } from './receivers.ts';

const silent = pino({ level: 'silent' });
const ADMIN = `fm_admin_${'n'.repeat(43)}`;
const dir = storeDataDir('notify-api');
let records: Records;
let desk: ServiceDesk;
let app: App;
let receivers: Receivers;
let notify: ReturnType<typeof startNotify>;

async function call(token: string, url: string) {
  return app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
}
async function token(roles: string[], userId: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/tokens',
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { userId, roles },
  });
  return res.json().token;
}

beforeAll(async () => {
  receivers = await startReceivers();
  records = await openRecords({ dataDir: dir, db: await lendStore(), log: silent });
  const options = notifyOptions(receivers.url);
  notify = startNotify({ db: records.db, log: silent, options, lang: 'en', intervalMs: 60_000 });
  desk = openServiceDesk({ db: records.db, log: silent, lang: 'en', outbox: notify.outbox });
  app = buildApp({
    records,
    desk,
    log: silent,
    now: Date.now,
    options: { dataDir: dir, adminToken: ADMIN, rateLimitMax: 0 },
    services: [{ name: 'notify', health: () => notify.health(), metrics: () => notify.metrics() }],
  });
  await app.ready();
  await records.addSite({ id: 'n1', name: 'API Court' });
  await desk.addStaff({
    id: 'eng-1',
    name: 'Sam',
    phone: '13800000001',
    roles: ['engineer'],
    trades: ['engineering'],
    notifyVia: ['sms'],
  });
});
afterAll(async () => {
  await app?.close();
  await notify?.stop();
  await records?.close();
  await receivers?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('shows what was sent about a record and to a person, and counts it per channel and outcome', async () => {
  const actor = { id: 'desk-1', role: 'front_desk' } as const;
  const { record } = await desk.createRecord(
    {
      site: 'n1',
      source: 'call',
      type: 'repair',
      trade: 'engineering',
      priority: 'normal',
      content: 'Pump noise',
    },
    actor,
  );
  await desk.transition(record.id, 'dispatch', actor, { assigneeId: 'eng-1' });
  notify.wake();
  for (let i = 0; i < 50 && receivers.received.length < 4; i++) await new Promise((r) => setTimeout(r, 50));

  const deskToken = await token(['front_desk'], 'desk-1');
  const log = await call(deskToken, `/records/${record.id}/notifications`);
  expect(log.statusCode).toBe(200);
  const items = log.json().items as { channel: string; state: string; attempts: number; title: string }[];
  expect(items.map((i) => i.channel).sort()).toEqual(['dingtalk', 'feishu', 'sms', 'webhook']);
  expect(items.every((i) => i.state === 'sent' && i.attempts === 1)).toBe(true);
  expect(items[0]!.title).toBe(`New slip #${record.id}`);

  const own = await call(await token(['engineer'], 'eng-1'), '/staff/eng-1/notifications');
  expect(own.json().items).toHaveLength(1);
  expect((await call(await token(['engineer'], 'eng-2'), '/staff/eng-1/notifications')).statusCode).toBe(403);
  expect((await call(deskToken, '/records/999999/notifications')).statusCode).toBe(404);

  const metrics = await call(ADMIN, '/metrics');
  expect(metrics.body).toContain('fm_notify_deliveries_total{channel="webhook",outcome="sent"} 1');
  expect(metrics.body).toContain('fm_notify_deliveries_total{channel="sms",outcome="sent"} 1');
  const patched = await app.inject({
    method: 'PATCH',
    url: '/staff/eng-1',
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { email: 'sam@example.com', notifyVia: ['sms', 'email'], quietHours: '22:30-06:30' },
  });
  expect(patched.json()).toMatchObject({
    email: 'sam@example.com',
    notifyVia: ['sms', 'email'],
    quietHours: '22:30-06:30',
  });
  const bad = await app.inject({
    method: 'PATCH',
    url: '/staff/eng-1',
    headers: { authorization: `Bearer ${ADMIN}` },
    payload: { quietHours: '22:30' },
  });
  expect(bad.statusCode).toBe(400);
  const stats = await call(
    deskToken,
    `/stats?site=n1&period=day&date=${new Date().toISOString().slice(0, 10)}`,
  );
  expect(stats.json().notifyEscalations).toBe(0);
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  expect(spec.paths['/records/{id}/notifications'].get.tags).toEqual(['notifications']);
  expect(spec.components.schemas.Delivery.properties.state.enum).toEqual([
    'queued',
    'sent',
    'failed',
    'gave_up',
  ]);
});
