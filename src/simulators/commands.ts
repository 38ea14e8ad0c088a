import { decodeCommand } from '../protocol/index.ts';
import type { AnyModel } from './models.ts';

export type CommandOutcome =
  | { answered: true; command: string; result: string; detail?: string }
  | { answered: false; reason: string };

/**
 * A command a simulated device received on its command topic: carried out and answered, unless it
 * is not a command or its deadline (`expires_at`, platform time; `now` is wall time) has passed,
 * which the contract says a device must not act on (a persistent session can hand over old ones).
 */
export function answerCommand(model: AnyModel, payload: Uint8Array, now: number): CommandOutcome {
  const decoded = decodeCommand(payload);
  if (!decoded.ok) return { answered: false, reason: decoded.reason };
  if (decoded.command.expires_at <= now) return { answered: false, reason: 'expired' };
  return { answered: true, command: decoded.command.command, ...model.command(decoded.command) };
}
