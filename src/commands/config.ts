import { parseArgs } from 'node:util';
import type { CommandContext } from '../cli.ts';

/** `facility config --help` */
export const help = (): string => `usage: facility config

Checks the configuration (environment variables and FM_CONFIG_FILE, docs/configuration.md) and
prints it as JSON with secrets hidden. A bad setting exits 1 with one line naming it.`;

/** `facility config` */
export async function run(ctx: CommandContext): Promise<number> {
  parseArgs({ args: ctx.args, options: {} });
  const hide = (v: string | undefined) => (v ? '***' : undefined);
  const { config } = ctx;
  const redacted = {
    ...config,
    FM_SERVICE_SECRET: hide(config.FM_SERVICE_SECRET),
    FM_ADMIN_TOKEN: hide(config.FM_ADMIN_TOKEN),
    FM_INFLUX_TOKEN: hide(config.FM_INFLUX_TOKEN),
    FM_INFLUX_PASSWORD: hide(config.FM_INFLUX_PASSWORD),
    DATABASE_URL: config.DATABASE_URL?.replace(/:[^:@/]*@/, ':***@'),
  };
  ctx.out(JSON.stringify(redacted, null, 2));
  return 0;
}
