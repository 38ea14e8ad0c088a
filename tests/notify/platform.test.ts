/**
 * `facility start` with a receiver configured: the platform's desk writes through the outbox and
 * its sender delivers, /health names the notify service and /metrics counts the delivery.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { type Platform, startPlatform } from '../../src/platform.ts';
import { migratedDataDir } from '../support/store.ts';
import { type Receivers, SECRETS, startReceivers } from './receivers.ts';

const dataDir = migratedDataDir('notify-platform');
let platform: Platform;
let receivers: Receivers;

beforeAll(async () => {
  receivers = await startReceivers();
  const config = loadConfig({
    FM_DATA_DIR: dataDir,
    FM_MQTT_PORT: '0',
    FM_MQTT_WS_PORT: '0',
    FM_API_PORT: '0',
    FM_LANG: 'en',
    FM_NOTIFY_RECEIVERS: JSON.stringify({
      desk: { type: 'webhook', url: `${receivers.url}/webhook`, secret: SECRETS.webhook },
    }),
    FM_NOTIFY_CONSOLE_URL: 'https://fm.example.com/',
  });
  platform = await startPlatform({ config, log: pino({ level: 'silent' }), demo: false });
}, 120_000);
afterAll(async () => {
  await platform?.stop();
  await receivers?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('delivers a dispatch made on the running platform to the configured webhook', async () => {
  const { records, desk } = platform;
  await records.addSite({ id: 'p1', name: 'Platform Court' });
  await desk.addStaff({ id: 'eng-p', name: 'Pat', roles: ['engineer'], trades: ['engineering'] });
  const actor = { id: 'desk-1', role: 'front_desk' } as const;
  const { record } = await desk.createRecord(
    {
      site: 'p1',
      source: 'call',
      type: 'repair',
      trade: 'engineering',
      priority: 'normal',
      content: 'Gate stuck',
    },
    actor,
  );
  await desk.transition(record.id, 'dispatch', actor, { assigneeId: 'eng-p' });
  const started = Date.now();
  while (!receivers.received.some((r) => r.body.subjectId === record.id) && Date.now() - started < 10_000)
    await new Promise((r) => setTimeout(r, 20));
  const got = receivers.received.find((r) => r.body.subjectId === record.id);
  expect(got?.body).toMatchObject({
    event: 'dispatch',
    link: `https://fm.example.com/m/records/${record.id}`,
  });
  expect(receivers.refused).toEqual([]);

  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const health = await fetch(`${platform.api.address}/health`).then((r) => r.json());
  expect(JSON.stringify(health)).toContain('notify');
  const metrics = await fetch(`${platform.api.address}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  }).then((r) => r.text());
  expect(metrics).toContain('fm_notify_deliveries_total{channel="webhook",outcome="sent"} 1');
});
