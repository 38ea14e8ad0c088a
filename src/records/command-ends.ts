/**
 * How a command ends (records/commands.ts has how it starts): the sender giving up on the broker,
 * its deadline, or the device's reply. Each end goes into the record's history when the command
 * was given from a record.
 */
import type { ReplyPayload } from '../protocol/index.ts';
import { COLUMNS, type DeviceCommand, history } from './commands.ts';
import type { Db, Queryable } from './db.ts';

/** A publish that did not reach the broker: try again at `retryAt`, or give up (`retryAt` undefined). */
export async function markAttemptFailed(
  db: Db,
  id: string,
  at: Date,
  error: string,
  retryAt: Date | undefined,
): Promise<DeviceCommand | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<DeviceCommand>(
      `UPDATE device_commands SET attempts = attempts + 1, last_error = $3,
         state = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE state END,
         ended_at = CASE WHEN $4::timestamptz IS NULL THEN $2 ELSE ended_at END,
         next_attempt_at = COALESCE($4::timestamptz, next_attempt_at)
       WHERE id = $1 AND state = 'queued' RETURNING ${COLUMNS}`,
      [id, at, error.slice(0, 500), retryAt ?? null],
    );
    if (row?.state === 'failed') await endedInHistory(tx, row, at, { id: 'platform', role: 'service' });
    return row;
  });
}

async function endedInHistory(
  tx: Queryable,
  cmd: DeviceCommand,
  at: Date,
  actor: { id: string; role: string },
): Promise<void> {
  if (cmd.recordId === null) return;
  const [r] = await tx.query<{ state: string }>('SELECT state FROM service_records WHERE id = $1', [
    cmd.recordId,
  ]);
  await history(tx, cmd, at, actor, `device_command_${cmd.state}`, r!.state, cmd.detail);
}

/** Ends every command past its deadline that no reply ended; returns them. */
export async function expireCommands(db: Db, at: Date): Promise<DeviceCommand[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<DeviceCommand>(
      `UPDATE device_commands SET state = 'expired', ended_at = $1
       WHERE state IN ('queued', 'sent') AND expires_at <= $1 RETURNING ${COLUMNS}`,
      [at],
    );
    for (const row of rows) await endedInHistory(tx, row, at, { id: 'platform', role: 'service' });
    return rows;
  });
}

/**
 * What a reply did: `answered` ended the command; `late` came for an expired one (kept, the state
 * stays expired); `repeat` for one already answered; `unknown` names no command of this device.
 */
export type ReplyOutcome = 'answered' | 'late' | 'repeat' | 'unknown';

export async function recordReply(
  db: Db,
  deviceId: string,
  reply: ReplyPayload,
  at: Date,
): Promise<{ outcome: ReplyOutcome; command?: DeviceCommand }> {
  return db.transaction(async (tx) => {
    // The device id in the WHERE: a device cannot answer, or learn of, another device's command.
    const [current] = await tx.query<DeviceCommand>(
      `SELECT ${COLUMNS} FROM device_commands WHERE id = $1 AND device_id = $2 FOR UPDATE`,
      [reply.id, deviceId],
    );
    if (!current) return { outcome: 'unknown' };
    if (current.result !== null) return { outcome: 'repeat', command: current };
    const late = current.state === 'expired' || current.state === 'failed';
    const [row] = await tx.query<DeviceCommand>(
      // An answer proves the command went out, even if it overtook our own note of the PUBACK.
      `UPDATE device_commands SET result = $2, detail = $3, answered_at = $4,
         sent_at = COALESCE(sent_at, $4),
         attempts = CASE WHEN state = 'queued' THEN attempts + 1 ELSE attempts END,
         state = CASE WHEN state NOT IN ('queued', 'sent') THEN state
           WHEN $2 = 'done' THEN 'answered' ELSE 'failed' END,
         ended_at = COALESCE(ended_at, $4)
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [reply.id, reply.result, reply.detail ?? null, at],
    );
    if (row!.recordId !== null) {
      const [r] = await tx.query<{ state: string }>('SELECT state FROM service_records WHERE id = $1', [
        row!.recordId,
      ]);
      await history(
        tx,
        row!,
        at,
        { id: deviceId, role: 'device' },
        'device_command_reply',
        r!.state,
        row!.detail,
      );
    }
    return { outcome: late ? 'late' : 'answered', command: row };
  });
}
