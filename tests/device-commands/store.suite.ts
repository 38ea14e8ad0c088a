/**
 * The command table's rules, the same on embedded PGlite and PostgreSQL: what is refused before
 * anything is written, the state machine, expiry, giving up, and replies that change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimDueCommands,
  type Db,
  expireCommands,
  getCommand,
  markAttemptFailed,
  markSent,
  openRecords,
  queueCommand,
  type Records,
  RecordsError,
  recordReply,
} from '../../src/records/index.ts';
import { openServiceDesk } from '../../src/records/service/index.ts';
import { silent } from '../records/suite.ts';

const ENG = { id: 'eng-1', role: 'engineer' };
const TTL = 60_000;

export function commandStoreSuite(
  name: string,
  setup: () => Promise<{ databaseUrl?: string; dataDir: string; db?: Db }>,
  teardown: () => Promise<void>,
) {
  describe(`device commands on ${name}`, () => {
    let records: Records;
    const clock = { t: Date.parse('2026-11-30T20:00:00Z') };
    const at = () => new Date(clock.t);
    const queue = (deviceId: string, command: 'reset' | 'report-now', extra: object = {}) =>
      queueCommand(records.db, { deviceId, command, by: ENG, ttlMs: TTL, ...extra }, at());
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: unknown) => (e instanceof RecordsError ? e.code : String(e)),
      );

    beforeAll(async () => {
      records = await openRecords({ ...(await setup()), log: silent, now: () => clock.t });
      await records.addSite({ id: 's1', name: 'S1' });
      await records.addSite({ id: 's2', name: 'S2' });
      for (const [id, kind, site] of [
        ['LC-1', 'lighting', 's1'],
        ['L-1', 'lift', 's1'],
        ['LC-9', 'lighting', 's1'],
      ] as const)
        await records.addDevice({ id, site, kind });
      await records.revokeDevice('LC-9');
    });
    afterAll(async () => {
      await records?.close();
      await teardown();
    });

    it('refuses before writing: unknown, revoked, wrong kind, not tripped, a record elsewhere', async () => {
      expect(await refusal(queue('NOPE', 'report-now'))).toBe('device-not-found');
      expect(await refusal(queue('LC-9', 'report-now'))).toBe('device-revoked');
      expect(await refusal(queue('L-1', 'reset'))).toBe('command-not-supported');
      expect(await refusal(queue('LC-1', 'reset'))).toBe('device-not-tripped');
      expect(await refusal(queue('LC-1', 'report-now', { recordId: 999_999 }))).toBe('record-not-found');
      const desk = openServiceDesk({ db: records.db, log: silent, now: () => clock.t, lang: 'en' });
      const other = await desk.createRecord(
        {
          site: 's2',
          source: 'call',
          type: 'repair',
          trade: 'engineering',
          content: 'lights out in the lobby',
        },
        { id: 'desk-1', role: 'front_desk' },
      );
      expect(await refusal(queue('LC-1', 'report-now', { recordId: other.record.id }))).toBe('invalid-input');
      const rows = await records.db.query('SELECT id FROM device_commands');
      expect(rows).toEqual([]);
    });

    it('queued -> sent -> answered; a repeat and another device change nothing', async () => {
      const c = await queue('L-1', 'report-now');
      expect((await claimDueCommands(records.db, at(), 0)).map((d) => d.id)).toContain(c.id);
      expect(await markSent(records.db, c.id, at())).toBe(true);
      expect(await markSent(records.db, c.id, at())).toBe(false);
      expect((await recordReply(records.db, 'LC-1', { id: c.id, result: 'done' }, at())).outcome).toBe(
        'unknown',
      );
      const answered = await recordReply(records.db, 'L-1', { id: c.id, result: 'done', detail: 'ok' }, at());
      expect(answered).toMatchObject({
        outcome: 'answered',
        command: { state: 'answered', result: 'done', attempts: 1 },
      });
      const again = await recordReply(records.db, 'L-1', { id: c.id, result: 'failed' }, at());
      expect(again.outcome).toBe('repeat');
      expect(await getCommand(records.db, c.id)).toMatchObject({
        state: 'answered',
        result: 'done',
        detail: 'ok',
      });
    });

    it('lets one sender claim a due command at a time, and another take it over after the lease', async () => {
      const c = await queue('L-1', 'report-now');
      expect((await claimDueCommands(records.db, at(), 20_000)).map((d) => d.id)).toEqual([c.id]);
      expect(await claimDueCommands(records.db, at(), 20_000)).toEqual([]);
      const later = new Date(clock.t + 20_000);
      expect((await claimDueCommands(records.db, later, 20_000)).map((d) => d.id)).toEqual([c.id]);
      await markSent(records.db, c.id, at());
      await recordReply(records.db, 'L-1', { id: c.id, result: 'done' }, at());
    });

    it('takes an answer that overtakes the note of its PUBACK as proof it was sent', async () => {
      const c = await queue('L-1', 'report-now');
      await recordReply(records.db, 'L-1', { id: c.id, result: 'done' }, at());
      expect(await markSent(records.db, c.id, at())).toBe(false);
      expect(await getCommand(records.db, c.id)).toMatchObject({
        state: 'answered',
        attempts: 1,
        sentAt: at(),
      });
    });

    it('a refused or failed answer ends the command failed, with what the device said', async () => {
      const c = await queue('L-1', 'report-now');
      await markSent(records.db, c.id, at());
      await recordReply(records.db, 'L-1', { id: c.id, result: 'refused', detail: 'busy' }, at());
      expect(await getCommand(records.db, c.id)).toMatchObject({
        state: 'failed',
        result: 'refused',
        detail: 'busy',
      });
    });

    it('expires on the clock, sent or never sent, and is then no longer due', async () => {
      const sent = await queue('L-1', 'report-now');
      await markSent(records.db, sent.id, at());
      const never = await queue('L-1', 'report-now');
      clock.t += TTL - 1;
      expect((await expireCommands(records.db, at())).map((c) => c.id)).toEqual([]);
      clock.t += 1;
      expect((await expireCommands(records.db, at())).map((c) => c.id).sort()).toEqual(
        [sent.id, never.id].sort(),
      );
      expect((await claimDueCommands(records.db, at(), 0)).map((c) => c.id)).not.toContain(never.id);
      const late = await recordReply(records.db, 'L-1', { id: sent.id, result: 'done' }, at());
      expect(late).toMatchObject({ outcome: 'late', command: { state: 'expired', result: 'done' } });
    });

    it('retries a publish that failed, then gives up as failed', async () => {
      const c = await queue('L-1', 'report-now');
      const retry = new Date(clock.t + 5000);
      const first = await markAttemptFailed(records.db, c.id, at(), 'no PUBACK', retry);
      expect(first).toMatchObject({ state: 'queued', attempts: 1, lastError: 'no PUBACK' });
      expect((await claimDueCommands(records.db, at(), 0)).map((d) => d.id)).not.toContain(c.id);
      expect((await claimDueCommands(records.db, retry, 0)).map((d) => d.id)).toContain(c.id);
      const last = await markAttemptFailed(records.db, c.id, at(), 'no PUBACK', undefined);
      expect(last).toMatchObject({ state: 'failed', attempts: 2, result: null });
    });
  });
}
