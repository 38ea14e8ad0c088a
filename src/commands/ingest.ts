import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CommandContext } from './usage.ts';
import { UsageError } from './usage.ts';

/** `facility ingest --help` */
export const help = (): string => `usage: facility ingest rejects [--device ID] [--reason REASON] [--json]

Shows the messages the running platform's ingest refused lately (newest first), through its API
(FM_API_HOST:FM_API_PORT) with FM_ADMIN_TOKEN or the token in FM_DATA_DIR/admin-token.

  --device ID            only this device's messages
  --reason REASON        only this reason (as listed)
  --json                 the rejects as a JSON array`;

interface Reject {
  at: string;
  topic: string;
  reason: string;
  detail: string;
  bytes: number;
  payloadText: string;
}

/** `facility ingest rejects`: ingest keeps its rejects in memory, so this asks the running API. */
export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: ctx.args,
    allowPositionals: true,
    options: { device: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals[0] !== 'rejects')
    throw new UsageError(
      positionals[0] === undefined
        ? 'missing subcommand "rejects"'
        : `unknown subcommand "${positionals[0]}"`,
    );
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const { config } = ctx;
  let token = config.FM_ADMIN_TOKEN;
  try {
    token ??= readFileSync(join(config.FM_DATA_DIR, 'admin-token'), 'utf8').trim();
  } catch {
    ctx.err(`facility: no FM_ADMIN_TOKEN and no ${join(config.FM_DATA_DIR, 'admin-token')}`);
    return 1;
  }
  const query = new URLSearchParams();
  if (values.device) query.set('device', values.device);
  if (values.reason) query.set('reason', values.reason);
  const url = `http://${config.FM_API_HOST}:${config.FM_API_PORT}/ingest/rejects?${query}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  } catch (err) {
    ctx.err(
      `facility: cannot reach the API at ${url} (is facility start running?): ${(err as Error).message}`,
    );
    return 1;
  }
  const body = (await res.json()) as { items?: Reject[]; error?: { message: string } };
  if (!res.ok || !body.items) {
    ctx.err(`facility: the API answered ${res.status}: ${body.error?.message ?? 'no details'}`);
    return 1;
  }
  if (values.json) ctx.out(JSON.stringify(body.items, null, 2));
  else {
    for (const r of body.items) {
      ctx.out(`${r.at}  ${r.reason}  ${r.topic}  (${r.bytes} bytes)`);
      ctx.out(`    ${r.detail.split('\n').join('\n    ')}`);
      ctx.out(`    payload: ${r.payloadText.slice(0, 200)}`);
    }
    ctx.out(`${body.items.length} rejected messages`);
  }
  return 0;
}
