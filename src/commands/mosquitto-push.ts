import { startDynsecSync } from '../mosquitto/index.ts';
import type { Records } from '../records/index.ts';
import { loadServiceSecret } from '../service-secret.ts';
import type { CommandContext } from './usage.ts';

const CONNECT_WAIT_MS = 5000;

/**
 * Runs `work` (a registration, rotation or revocation) with mosquitto's dynamic security plugin
 * told at once, when FM_MOSQUITTO_ADMIN_URL is set: this process holds the new secret, the only
 * moment anyone does, so mosquitto gets it from here rather than from a restart on a rebuilt file
 * (docs/deploy.md). mosquitto out of reach refuses nothing: the registry is changed, and it says
 * what is left to do.
 */
export async function withMosquitto<T>(
  ctx: CommandContext,
  records: Records,
  work: () => Promise<T>,
): Promise<T> {
  const { config } = ctx;
  if (!config.FM_MOSQUITTO_ADMIN_URL || !config.FM_MOSQUITTO_ADMIN_PASSWORD) return work();
  const sync = await startDynsecSync({
    admin: {
      url: config.FM_MOSQUITTO_ADMIN_URL,
      username: config.FM_MOSQUITTO_ADMIN_USER,
      password: config.FM_MOSQUITTO_ADMIN_PASSWORD,
    },
    records,
    serviceSecret: loadServiceSecret(config.FM_SERVICE_SECRET, config.FM_DATA_DIR).secret,
    log: ctx.log.child({ service: 'mosquitto-sync' }),
    // One comparison, below; this process does not stay.
    checkMs: 3600_000,
    followMs: 3600_000,
  });
  try {
    const result = await work();
    // A wait, not a time of day: the monotonic clock, which no wall-clock step moves.
    const deadline = performance.now() + CONNECT_WAIT_MS;
    while (sync.health().detail?.startsWith('not connected') && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await sync.check();
    const health = sync.health();
    if (health.status === 'ok') ctx.out('mosquitto: in step with the registry');
    else ctx.err(`facility: mosquitto: ${health.detail}`);
    return result;
  } finally {
    await sync.stop();
  }
}
