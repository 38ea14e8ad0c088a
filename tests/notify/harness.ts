/**
 * A desk that notifies, on a fake clock, with real receivers: the notification suites run against
 * embedded PGlite and a real PostgreSQL through this.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe } from 'vitest';
import type { NotifyOptions } from '../../src/notify/config.ts';
import { OutboxSender } from '../../src/notify/sender.ts';
import { createOutboxHook } from '../../src/notify/stage.ts';
import { type Db, openRecords, type Records } from '../../src/records/index.ts';
import { openServiceDesk, type ServiceDesk } from '../../src/records/service/index.ts';
import { type Receivers, SECRETS, SMS_TOKEN, startReceivers, WECOM_KEY } from './receivers.ts';

export const silent = pino({ level: 'silent' });
export const MIN = 60_000;
export const SITE = 'n1';

export interface NotifyHarness {
  records: Records;
  desk: ServiceDesk;
  sender: OutboxSender;
  receivers: Receivers;
  clock: { t: number };
  /** Warnings the sender logged (operator warnings), by message. */
  warnings: string[];
  options: NotifyOptions;
  /** Ticks the sender until nothing is due (at most `max` passes). */
  drain(max?: number): Promise<void>;
}

export function notifyOptions(url: string): NotifyOptions {
  return {
    receivers: {
      hook: { type: 'webhook', url: `${url}/webhook`, secret: SECRETS.webhook, sites: [], trades: [] },
      eng: {
        type: 'dingtalk',
        url: `${url}/dingtalk?access_token=t0k`,
        secret: SECRETS.dingtalk,
        sites: [SITE],
        trades: ['engineering'],
      },
      sec: { type: 'wecom', url: `${url}/wecom?key=${WECOM_KEY}`, sites: [SITE], trades: ['security'] },
      mgmt: { type: 'feishu', url: `${url}/feishu`, secret: SECRETS.feishu, sites: [SITE], trades: [] },
    },
    sms: {
      url: `${url}/sms`,
      template: '{"to":"{phone}","template_id":"SMS_1","params":{"text":"{text}"},"out_id":"{key}"}',
      token: SMS_TOKEN,
      dailyCap: 100,
    },
    consoleUrl: 'https://fm.example.com',
    retryMinMs: 1000,
    retryMaxMs: 60_000,
    maxAttempts: 30,
    deadAfter: 3,
  };
}

export function notifySuite(
  name: string,
  setup: () => Promise<{ databaseUrl?: string; dataDir: string; db?: Db }>,
  teardown: () => Promise<void>,
  suites: ((h: () => NotifyHarness) => void)[],
): void {
  describe(`notifications on ${name}`, () => {
    let h: NotifyHarness;
    beforeAll(async () => {
      const clock = { t: Date.parse('2025-03-10T02:00:00Z') }; // 10:00 in Shanghai
      const now = () => clock.t;
      const receivers = await startReceivers(() => clock.t);
      const records = await openRecords({ ...(await setup()), log: silent, now });
      const options = notifyOptions(receivers.url);
      const warnings: string[] = [];
      const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
      const desk = openServiceDesk({
        db: records.db,
        log: silent,
        now,
        lang: 'zh-CN',
        outbox: createOutboxHook(options, 'zh-CN'),
      });
      const sender = new OutboxSender({ db: records.db, log, options, now, random: () => 0 });
      h = {
        records,
        desk,
        sender,
        receivers,
        clock,
        warnings,
        options,
        drain: async (max = 50) => {
          for (let i = 0; i < max && (await sender.tick()) > 0; i++);
        },
      };
      await records.addSite({ id: SITE, name: '一号小区', timezone: 'Asia/Shanghai' });
      await records.addBuilding({ site: SITE, id: 'B1', name: '1号楼', floors: 18, basements: 1 });
      const staff = [
        { id: 'eng-1', name: '张工', phone: '13800000001', roles: ['engineer'], trades: ['engineering'] },
        { id: 'eng-2', name: '李工', phone: '13800000002', roles: ['engineer'], trades: ['engineering'] },
        {
          id: 'sup-eng',
          name: '工程主管',
          phone: '13800000009',
          roles: ['supervisor'],
          trades: ['engineering'],
        },
        { id: 'guard-1', name: '保安甲', phone: '13900000001', roles: ['guard'], trades: ['security'] },
        { id: 'guard-2', name: '保安乙', phone: '13900000002', roles: ['guard'], trades: ['security'] },
        {
          id: 'sup-sec',
          name: '秩序主管',
          phone: '13900000009',
          roles: ['supervisor'],
          trades: ['security'],
        },
        { id: 'mgr-1', name: '项目经理', phone: '13700000001', roles: ['manager'] },
      ];
      for (const s of staff) await desk.addStaff({ ...s, notifyVia: ['sms'] });
      await desk.addShift({
        site: SITE,
        staffId: 'eng-1',
        trade: 'engineering',
        starts: '08:00',
        ends: '20:00',
      });
      await desk.addShift({
        site: SITE,
        staffId: 'guard-1',
        trade: 'security',
        starts: '00:00',
        ends: '00:00',
      });
      await desk.addShift({
        site: SITE,
        staffId: 'guard-2',
        trade: 'security',
        starts: '00:00',
        ends: '00:00',
      });
    });
    afterAll(async () => {
      await h?.sender.stop();
      await h?.desk.stop();
      await h?.records.close();
      await h?.receivers.close();
      await teardown();
    });
    for (const suite of suites) suite(() => h);
  });
}

export interface OutboxRow {
  id: number;
  key: string;
  queue: string;
  channel: string;
  target: string;
  staffId: string | null;
  event: string;
  state: string;
  attempts: number;
  subjectId: number;
  nextAt: Date;
  lastAnswer: string | null;
}

export async function outbox(h: NotifyHarness, where = 'true', params: unknown[] = []): Promise<OutboxRow[]> {
  return h.records.db.query<OutboxRow>(
    `SELECT id, key, queue, channel, target, staff_id AS "staffId", event, state, attempts, subject_id AS "subjectId",
       next_at AS "nextAt", last_answer AS "lastAnswer" FROM notify_outbox WHERE ${where} ORDER BY id`,
    params,
  );
}
