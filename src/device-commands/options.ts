import { z } from 'zod';

/**
 * Settings of the command sender; defaults serve production, tests pass shorter ones. A command's
 * deadline is set when it is queued (FM_COMMAND_TTL_S, the API's `commandTtlMs`) and kept in its row.
 */
export const commandOptionsSchema = z.object({
  /** How often queued commands and deadlines are looked at besides the commit notification, ms. */
  pollMs: z.number().int().min(50).max(60_000).default(1000),
  /** A publish not acknowledged by the broker (PUBACK) within this is an attempt failed, ms. */
  publishTimeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  /** First retry after a failed publish, doubling up to `retryMaxMs`. */
  retryMinMs: z.number().int().min(10).default(1000),
  retryMaxMs: z.number().int().min(10).default(30_000),
  /** Publish attempts before a command is failed (if it has not expired first). */
  maxAttempts: z.number().int().min(1).max(100).default(5),
});
export type CommandOptions = z.input<typeof commandOptionsSchema>;
export type ResolvedCommandOptions = z.output<typeof commandOptionsSchema>;
