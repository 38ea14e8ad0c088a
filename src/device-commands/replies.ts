/**
 * A message on a device's `reply` topic: recorded against the command it names, or, when it names
 * no command of that device, repeats an answer or breaks the contract, logged and counted only.
 * The device id comes from the topic, which the broker's ACL lets only that device publish on.
 */
import { type Clock, dateOf } from '../clock.ts';
import type { Logger } from '../log.ts';
import { decodeReply } from '../protocol/index.ts';
import { type Db, recordReply } from '../records/index.ts';
import type { CommandCounters } from './counters.ts';

export interface ReplyDeps {
  db: Db;
  log: Logger;
  now: Clock;
  counters: CommandCounters;
}

export async function recordDeviceReply(
  { db, log, now, counters }: ReplyDeps,
  topic: string,
  payload: Buffer,
): Promise<void> {
  const decoded = decodeReply(topic, payload);
  if (!decoded.ok) {
    counters.ignore('invalid');
    log.warn(
      { topic, reason: decoded.reason, detail: decoded.detail },
      'command reply refused by the contract',
    );
    return;
  }
  const { deviceId } = decoded.address;
  const { outcome, command } = await recordReply(db, deviceId, decoded.reply, dateOf(now));
  if (outcome === 'unknown' || outcome === 'repeat') {
    counters.ignore(outcome);
    log.warn(
      { deviceId, commandId: decoded.reply.id, outcome },
      outcome === 'unknown' ? 'reply names no command of this device; ignored' : 'reply repeated; ignored',
    );
    return;
  }
  const c = command!;
  counters.count(c.command, outcome === 'late' ? 'late' : c.state);
  log.info(
    {
      deviceId,
      commandId: c.id,
      command: c.command,
      result: c.result,
      detail: c.detail ?? undefined,
      state: c.state,
    },
    `device ${deviceId} answered ${c.command}: ${c.result}${outcome === 'late' ? ` after the command ${c.state}` : ''}`,
  );
}
