/**
 * Commands to devices, the outbox pattern in the other direction: a command is a row written in
 * the transaction that accepts it (queued), published by the sender (sent), and ended by the
 * device's reply (answered when done; failed when the device refused or could not), by the sender
 * giving up on the broker (failed, no result) or by its deadline (expired). The
 * table is the audit trail; a command given from a record's page is also in that record's history.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  COMMAND_NAMES,
  type CommandName,
  commandsOf,
  type Kind,
  type ReplyPayload,
} from '../protocol/index.ts';
import type { Db, Queryable } from './db.ts';
import { parseInput, RecordsError } from './errors.ts';

export const COMMAND_STATES = ['queued', 'sent', 'answered', 'failed', 'expired'] as const;
export type CommandState = (typeof COMMAND_STATES)[number];

export interface DeviceCommand {
  id: string;
  deviceId: string;
  site: string;
  kind: Kind;
  command: CommandName;
  state: CommandState;
  result: ReplyPayload['result'] | null;
  detail: string | null;
  requestedBy: string;
  requestedRole: string;
  recordId: number | null;
  note: string | null;
  createdAt: Date;
  expiresAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  sentAt: Date | null;
  answeredAt: Date | null;
  endedAt: Date | null;
}

export const COLUMNS = `id, device_id AS "deviceId", site_id AS site, kind, command, state, result, detail,
  requested_by AS "requestedBy", requested_role AS "requestedRole", record_id AS "recordId", note,
  created_at AS "createdAt", expires_at AS "expiresAt", attempts, next_attempt_at AS "nextAttemptAt",
  last_error AS "lastError", sent_at AS "sentAt", answered_at AS "answeredAt", ended_at AS "endedAt"`;

/** NOTIFY channel the sender listens on, so a command goes out at commit, not at the next poll. */
export const COMMANDS_CHANNEL = 'device_commands';

export const commandInput = z.object({
  deviceId: z.string().min(1).max(64),
  command: z.enum(COMMAND_NAMES),
  /** The record whose page the command was given from: it goes into that record's history. */
  recordId: z.number().int().positive().optional(),
  note: z.string().trim().min(1).max(500).optional(),
  by: z.object({ id: z.string().min(1), role: z.string().min(1) }),
  /** How long the platform waits for the device's answer. */
  ttlMs: z.number().int().min(1000).max(86_400_000),
});
export type CommandInput = z.input<typeof commandInput>;

function refuse(code: ConstructorParameters<typeof RecordsError>[0], message: string): never {
  throw new RecordsError(code, message);
}

async function recordState(tx: Queryable, recordId: number, site: string): Promise<string> {
  const [r] = await tx.query<{ state: string; site: string }>(
    'SELECT state, site_id AS site FROM service_records WHERE id = $1 FOR UPDATE',
    [recordId],
  );
  if (!r) refuse('record-not-found', `service record ${recordId} does not exist`);
  if (r.site !== site) refuse('invalid-input', `service record ${recordId} is not on the device's site`);
  return r.state;
}

/**
 * A lighting circuit is reset only while it is tripped: an open `circuit_trip` record (raised by
 * the device's event or by its readings, on with no current) whose fault has not recovered. The
 * device checks again and refuses when its breaker is closed.
 */
async function requireTripped(tx: Queryable, deviceId: string): Promise<void> {
  const rows = await tx.query(
    `SELECT id FROM service_records WHERE device_id = $1 AND fault_code = 'circuit_trip'
       AND recovered_at IS NULL AND state NOT IN ('closed', 'cancelled') LIMIT 1`,
    [deviceId],
  );
  if (rows.length === 0)
    refuse(
      'device-not-tripped',
      `lighting circuit "${deviceId}" does not report a trip (no open circuit_trip record); reset is only for a tripped circuit`,
    );
}

export async function queueCommand(db: Db, input: CommandInput, at: Date): Promise<DeviceCommand> {
  const c = parseInput(commandInput, input, 'command');
  return db.transaction(async (tx) => {
    const [device] = await tx.query<{ site: string; kind: Kind; revokedAt: Date | null }>(
      'SELECT site_id AS site, kind, revoked_at AS "revokedAt" FROM devices WHERE id = $1',
      [c.deviceId],
    );
    if (!device)
      refuse('device-not-found', `device "${c.deviceId}" is not registered; see \`facility devices list\``);
    if (device.revokedAt)
      refuse(
        'device-revoked',
        `device "${c.deviceId}" is revoked: it can no longer connect to take a command`,
      );
    const allowed = commandsOf(device.kind);
    if (!allowed.includes(c.command))
      refuse(
        'command-not-supported',
        `a ${device.kind} device does not take "${c.command}"; it takes: ${allowed.join(', ')}`,
      );
    if (c.command === 'reset') await requireTripped(tx, c.deviceId);
    const state = c.recordId === undefined ? undefined : await recordState(tx, c.recordId, device.site);
    const [row] = await tx.query<DeviceCommand>(
      `INSERT INTO device_commands (id, device_id, site_id, kind, command, state, requested_by, requested_role,
         record_id, note, created_at, expires_at, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $9, $10, $11, $10) RETURNING ${COLUMNS}`,
      [
        randomUUID(),
        c.deviceId,
        device.site,
        device.kind,
        c.command,
        c.by.id,
        c.by.role,
        c.recordId ?? null,
        c.note ?? null,
        at,
        new Date(at.getTime() + c.ttlMs),
      ],
    );
    if (state !== undefined)
      await history(tx, row!, at, { id: c.by.id, role: c.by.role }, 'device_command', state, c.note);
    await tx.query('SELECT pg_notify($1, $2)', [COMMANDS_CHANNEL, row!.id]);
    return row!;
  });
}

export async function history(
  tx: Queryable,
  cmd: DeviceCommand,
  at: Date,
  actor: { id: string; role: string },
  action: string,
  state: string,
  note?: string | null,
): Promise<void> {
  // The note reads on its own in the record's history: "reset: remote reclose", "reset: done (breaker reclosed)".
  const said =
    cmd.result && action === 'device_command_reply' ? `${cmd.result}${note ? ` (${note})` : ''}` : note;
  await tx.query(
    `INSERT INTO service_history (subject, subject_id, at, actor_id, actor_role, action, from_state, to_state, note, data)
     VALUES ('record', $1, $2, $3, $4, $5, $6, $6, $7, $8)`,
    [
      cmd.recordId,
      at,
      actor.id,
      actor.role,
      action,
      state,
      said ? `${cmd.command}: ${said}` : cmd.command,
      JSON.stringify({
        commandId: cmd.id,
        deviceId: cmd.deviceId,
        command: cmd.command,
        state: cmd.state,
        ...(cmd.result ? { result: cmd.result, detail: cmd.detail } : {}),
      }),
    ],
  );
}

export async function listCommands(db: Queryable, deviceId: string, limit = 50): Promise<DeviceCommand[]> {
  return db.query<DeviceCommand>(
    `SELECT ${COLUMNS} FROM device_commands WHERE device_id = $1 ORDER BY created_at DESC, id LIMIT $2`,
    [deviceId, limit],
  );
}

export async function getCommand(db: Queryable, id: string): Promise<DeviceCommand | undefined> {
  const [row] = await db.query<DeviceCommand>(`SELECT ${COLUMNS} FROM device_commands WHERE id = $1`, [id]);
  return row;
}

/**
 * Claims queued commands whose attempt is due and that have not expired, oldest first: each is
 * pushed `leaseMs` into the future, so a second sender (another platform process on the same
 * PostgreSQL) skips it while this one publishes, and takes it over if this one dies meanwhile.
 */
export async function claimDueCommands(
  db: Queryable,
  at: Date,
  leaseMs: number,
  limit = 100,
): Promise<DeviceCommand[]> {
  const rows = await db.query<DeviceCommand>(
    `UPDATE device_commands SET next_attempt_at = $2
     WHERE id IN (SELECT id FROM device_commands
       WHERE state = 'queued' AND next_attempt_at <= $1 AND expires_at > $1
       ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING ${COLUMNS}`,
    [at, new Date(at.getTime() + leaseMs), limit],
  );
  return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
}

/** The broker took it (PUBACK, or the in-process publish completed). */
export async function markSent(db: Queryable, id: string, at: Date): Promise<boolean> {
  const rows = await db.query(
    `UPDATE device_commands SET state = 'sent', sent_at = $2, attempts = attempts + 1, last_error = NULL
     WHERE id = $1 AND state = 'queued' RETURNING id`,
    [id, at],
  );
  return rows.length > 0;
}
