/**
 * E-mail through a real SMTP server (smtp-server on 127.0.0.1) that offers STARTTLS with a
 * certificate the client trusts: the notification arrives over the upgraded connection, its
 * Message-ID is the idempotency key. A server that does not offer STARTTLS gets nothing.
 */
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NotifyOptions } from '../../src/notify/config.ts';
import { OutboxSender } from '../../src/notify/sender.ts';
import { createOutboxHook } from '../../src/notify/stage.ts';
import { openRecords, type Records } from '../../src/records/index.ts';
import { openServiceDesk } from '../../src/records/service/index.ts';
import { selfSigned } from '../broker/support.ts';
import { tempDir } from '../support/servers.ts';
import { migratedDataDir } from '../support/store.ts';

const silent = pino({ level: 'silent' });
interface Mail {
  secure: boolean;
  from: string;
  to: string[];
  data: string;
}
const mails: Mail[] = [];
const servers: SMTPServer[] = [];
let records: Records;
const dir = migratedDataDir('notify-mail');
const certDir = tempDir('notify-cert');
const tls = selfSigned(certDir);

async function smtp(startTls: boolean): Promise<number> {
  const server = new SMTPServer({
    key: tls.key,
    cert: tls.cert,
    authOptional: true,
    disabledCommands: startTls ? [] : ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (c: Buffer) => {
        data += c.toString();
      });
      stream.on('end', () => {
        mails.push({
          secure: session.secure,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        callback();
      });
    },
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.server.address() as AddressInfo).port;
}

const options = (port: number): NotifyOptions => ({
  receivers: {},
  smtp: {
    url: `smtp://127.0.0.1:${port}`,
    from: 'Facility Monitor <fm@example.com>',
    requireTls: true,
    tls: { ca: tls.cert },
  },
  consoleUrl: 'https://fm.example.com',
  retryMinMs: 1000,
  retryMaxMs: 60_000,
  maxAttempts: 5,
  deadAfter: 3,
});

beforeAll(async () => {
  records = await openRecords({ dataDir: dir, log: silent });
  await records.addSite({ id: 'm1', name: 'Mail Court', timezone: 'Asia/Shanghai' });
});
afterAll(async () => {
  await records?.close();
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
  rmSync(certDir, { recursive: true, force: true });
});

it('sends an engineer their slip by e-mail over STARTTLS, keyed by Message-ID, in English', async () => {
  const o = options(await smtp(true));
  const desk = openServiceDesk({
    db: records.db,
    log: silent,
    lang: 'en',
    outbox: createOutboxHook(o, 'en'),
  });
  await desk.addStaff({
    id: 'm-eng',
    name: 'Sam',
    roles: ['engineer'],
    trades: ['engineering'],
    email: 'sam@example.com',
    notifyVia: ['email'],
  });
  const { record } = await desk.createRecord(
    {
      site: 'm1',
      source: 'call',
      type: 'repair',
      trade: 'engineering',
      priority: 'normal',
      content: 'Lift 2 squeaks',
    },
    { id: 'desk', role: 'front_desk' },
  );
  await desk.transition(record.id, 'dispatch', { id: 'desk', role: 'front_desk' }, { assigneeId: 'm-eng' });
  const sender = new OutboxSender({ db: records.db, log: silent, options: o });
  expect(await sender.tick()).toBe(1);
  await sender.stop();
  const [row] = await records.db.query<{ key: string; state: string; status: number }>(
    `SELECT key, state, last_status AS status FROM notify_outbox WHERE channel = 'email' AND subject_id = $1`,
    [record.id],
  );
  expect(row).toMatchObject({ state: 'sent', status: 250 });
  expect(mails).toHaveLength(1);
  const mail = mails[0]!;
  expect(mail).toMatchObject({ secure: true, from: 'fm@example.com', to: ['sam@example.com'] });
  expect(mail.data).toContain(`Message-ID: <${row!.key}@facility-monitor>`);
  expect(mail.data).toContain(`Subject: New slip #${record.id}`);
  expect(mail.data).toContain(`https://fm.example.com/m/records/${record.id}`);
});

it('refuses to send to a server that does not offer STARTTLS, and keeps its answer', async () => {
  const o = options(await smtp(false));
  const desk = openServiceDesk({
    db: records.db,
    log: silent,
    lang: 'en',
    outbox: createOutboxHook(o, 'en'),
  });
  const { record } = await desk.createRecord(
    {
      site: 'm1',
      source: 'call',
      type: 'repair',
      trade: 'engineering',
      priority: 'normal',
      content: 'Door stuck',
    },
    { id: 'desk', role: 'front_desk' },
  );
  await desk.transition(record.id, 'dispatch', { id: 'desk', role: 'front_desk' }, { assigneeId: 'm-eng' });
  const before = mails.length;
  const sender = new OutboxSender({ db: records.db, log: silent, options: o });
  await sender.tick();
  await sender.stop();
  const [row] = await records.db.query<{ state: string; answer: string }>(
    `SELECT state, last_answer AS answer FROM notify_outbox WHERE channel = 'email' AND subject_id = $1`,
    [record.id],
  );
  expect(row!.state).toBe('failed');
  // nodemailer insists on STARTTLS (requireTLS); this server answers it as an unknown command
  expect(row!.answer).toMatch(/TLS|command not recognized/i);
  expect(mails).toHaveLength(before);
});
