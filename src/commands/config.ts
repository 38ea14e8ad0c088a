import { parseArgs } from 'node:util';
import type { CommandContext } from '../cli.ts';
import { redactedConfig } from '../redact.ts';

/** `facility config --help` */
export const help = (): string => `usage: facility config

Checks the configuration (environment variables and FM_CONFIG_FILE, docs/configuration.md) and
prints it as JSON with secrets hidden. A bad setting exits 1 with one line naming it.`;

/** `facility config` */
export async function run(ctx: CommandContext): Promise<number> {
  parseArgs({ args: ctx.args, options: {} });
  const redacted = redactedConfig(ctx.config);
  ctx.out(JSON.stringify(redacted, null, 2));
  return 0;
}
