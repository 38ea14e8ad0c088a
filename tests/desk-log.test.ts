/** One readable log line for a record raised from a device, a patrol alert, and a breach. */
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { logDeskEvents } from '../src/desk-log.ts';
import { openRecords } from '../src/records/index.ts';
import { openServiceDesk } from '../src/records/service/index.ts';
import { tempDir } from './support/servers.ts';

describe('desk log lines', async () => {
  const dataDir = tempDir('desk-log');
  const clock = { t: Date.parse('2025-03-03T01:00:00Z') };
  const now = () => new Date(clock.t);
  const silent = pino({ level: 'silent' });
  const records = await openRecords({ dataDir, log: silent, now });
  const desk = openServiceDesk({ db: records.db, log: silent, now, lang: 'en' });
  const lines: { msg: string; level: number }[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const off = logDeskEvents(desk, pino({ level: 'info' }, sink));
  afterAll(async () => {
    off();
    await records.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes one line each for a device record, a patrol alert and a breach, and none for a call', async () => {
    await records.addSite({ id: 's1', name: 'S' });
    await records.addDevice({ id: 'L-1', site: 's1', kind: 'lift' });
    const { record } = await desk.raiseDeviceFault({
      deviceId: 'L-1',
      faultCode: 'entrapment',
      priority: 'emergency',
      trade: 'engineering',
      idempotencyKey: 'k1',
      occurredAt: now(),
    });
    await desk.raisePatrolAlert({ deviceId: 'L-1', code: 'entrapment', idempotencyKey: 'a1' });
    await desk.createRecord(
      { site: 's1', source: 'call', type: 'inquiry', trade: 'customer_service', content: 'x' },
      {
        id: 'desk',
        role: 'front_desk',
      },
    );
    clock.t += 10 * 60_000;
    await desk.tick();
    const msgs = lines.map((l) => l.msg);
    expect(msgs[0]).toBe(`record #${record.id} (emergency) raised from device L-1: ${record.title}`);
    expect(msgs[1]).toMatch(/^patrol alert #\d+ \(emergency\) raised: L-1: /);
    expect(msgs.filter((m) => m.includes('raised from device'))).toHaveLength(1);
    expect(msgs.some((m) => /^record #\d+ missed its "dispatch" deadline/.test(m))).toBe(true);
    expect(lines.every((l) => l.level === 40)).toBe(true);
  });
});
