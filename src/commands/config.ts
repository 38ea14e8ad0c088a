import { parseArgs } from 'node:util';
import { redactedConfig } from '../redact.ts';
import { configChecks } from './config-checks.ts';
import type { CommandContext } from './usage.ts';

/** `facility config --help` */
export const help = (): string => `usage: facility config [--no-connect]

Checks the configuration (environment variables and FM_CONFIG_FILE, docs/configuration.md) and
what \`facility start\` needs beyond it: the rule files and the TLS certificate and key load, and
the records database (with its password), InfluxDB and an external broker (FM_MQTT_URL) answer.
Prints the configuration as JSON with secrets hidden (stdout) and one line per check (stderr);
exits 1 when a setting or a check fails, saying which.

  --no-connect           check the settings and files only, reaching no server`;

/** `facility config` */
export async function run(ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({ args: ctx.args, options: { 'no-connect': { type: 'boolean' } } });
  ctx.out(JSON.stringify(redactedConfig(ctx.config), null, 2));
  const checks = configChecks(ctx.config, { connect: !values['no-connect'] });
  const results = await Promise.allSettled(checks.map((c) => c.run()));
  let failed = 0;
  results.forEach((result, i) => {
    const { name } = checks[i]!;
    if (result.status === 'fulfilled') ctx.err(`ok    ${name}: ${result.value}`);
    else {
      failed++;
      ctx.err(`FAIL  ${name}: ${(result.reason as Error).message}`);
    }
  });
  if (failed === 0) return 0;
  ctx.err(`facility config: ${failed} of ${checks.length} checks failed`);
  return 1;
}
