import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulate } from '../../src/commands/simulate.ts';
import { registryProvisioner } from '../../src/commands/simulate-registry.ts';
import { loadConfig } from '../../src/config.ts';
import { type Platform, startPlatform } from '../../src/platform.ts';
import { migratedDataDir } from '../support/store.ts';
import { until } from './support.ts';

/** docs/simulators.md's one command against the running demo (`facility start` holds the registry). */
describe('facility simulate against the running demo', () => {
  const dataDir = migratedDataDir('simdemo');
  let platform: Platform;
  let token: string;
  const log = pino({ level: 'silent' });
  const base = { FM_DATA_DIR: dataDir, FM_MQTT_WS_PORT: '0', FM_LANG: 'en' };
  const context = (args: string[], env: Record<string, string>) => {
    const lines: string[] = [];
    const errors: string[] = [];
    return {
      lines,
      errors,
      ctx: {
        config: loadConfig({ ...base, ...env }),
        log,
        args,
        out: (l: string) => lines.push(l) && undefined,
        err: (l: string) => errors.push(l) && undefined,
      },
    };
  };
  const simulate = (ctx: ReturnType<typeof context>['ctx'], stopSignal?: Promise<void>) =>
    createSimulate({ provisionFleet: registryProvisioner(ctx.config, ctx.log), stopSignal })(ctx);
  const ports = () => ({
    FM_MQTT_PORT: String(platform.broker.addresses.tcp.port),
    FM_API_PORT: new URL(platform.api.address).port,
  });

  beforeAll(async () => {
    const config = loadConfig({ ...base, FM_MQTT_PORT: '0', FM_API_PORT: '0' });
    platform = await startPlatform({ config, log, demo: true });
    token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers its lift through the API and turns the entrapment scenario into a record', async () => {
    const run = context(
      ['--lifts', '1', '--scenario', 'scenarios/entrapment.json', '--speed', '20', '--duration', '10m'],
      ports(),
    );
    let stop!: () => void;
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    const exit = simulate(run.ctx, stopped);
    const record = await until(async () => {
      const res = await fetch(`${platform.api.address}/records?site=demo&deviceId=demo-L-0001`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const page = (await res.json()) as { items?: Record<string, unknown>[] };
      return page.items?.find((r) => r.faultCode === 'entrapment');
    }, 30_000);
    stop();
    expect(await exit).toBe(0);
    expect(record).toMatchObject({ deviceId: 'demo-L-0001', priority: 'emergency', type: 'repair' });
    expect(run.errors).toEqual([]);
    // The demo's own fleet kept its sessions: no device of ours took one over.
    expect(platform.fleet!.stats().connected).toBe(platform.fleet!.stats().devices);
  }, 45_000);

  it('says in one line, exit 1, when the running platform cannot be reached', async () => {
    const run = context(['--lifts', '1'], { ...ports(), FM_API_PORT: '1' });
    expect(await simulate(run.ctx)).toBe(1);
    expect(run.errors).toEqual([
      expect.stringMatching(/^facility: cannot reach the platform's API at http:\/\/127\.0\.0\.1:1 /),
    ]);
  });

  it("reads the demo's credentials file as written", async () => {
    const run = context(
      ['--credentials', join(dataDir, 'demo-credentials.json'), '--scenario', 'nope.json'],
      ports(),
    );
    // The file is accepted; the run stops at the next mistake, the scenario that is not there.
    expect(await simulate(run.ctx)).toBe(2);
    expect(run.errors.join('\n')).toMatch(/nope\.json: cannot read it/);
  });
});
