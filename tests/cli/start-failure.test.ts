/** `facility start` on a port another program holds: one line that names the setting to change. */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/commands/start.ts';
import { loadConfig } from '../../src/config.ts';
import { captureLog } from '../support/log.ts';
import { tempDir } from '../support/servers.ts';

let holder: Server;
let held: number;
beforeAll(async () => {
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  held = (holder.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

async function start(env: Record<string, string>) {
  const logs = captureLog('info');
  const config = loadConfig({
    FM_DATA_DIR: tempDir('start-failure'),
    FM_MQTT_PORT: '0',
    FM_MQTT_WS_PORT: '0',
    FM_API_PORT: '0',
    FM_DEMO: 'false',
    ...env,
  });
  const err: string[] = [];
  const code = await run({
    config,
    log: logs.log,
    args: [],
    out: () => {},
    err: (l) => err.push(l),
  });
  return { code, fatal: logs.entries().filter((l) => l.level === 60) };
}

describe('facility start on a port in use', () => {
  it.each([
    ['FM_API_PORT', 'the API'],
    ['FM_MQTT_PORT', 'MQTT (TCP)'],
  ])(
    'names %s, the setting that moves %s',
    async (setting, what) => {
      const { code, fatal } = await start({ [setting]: String(held) });
      expect(code).toBe(1);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toMatchObject({ setting, port: held, code: 'EADDRINUSE' });
      expect(fatal[0]!.msg).toBe(
        `could not start: ${what} cannot listen on 127.0.0.1:${held}: another program holds that port (a facility start already running?); set ${setting} to a free port`,
      );
      // A person's situation, not a fault of the platform: no stack trace.
      expect(fatal[0]).not.toHaveProperty('err');
    },
    60_000,
  );
});
