import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSimulate, run } from '../../src/commands/simulate.ts';
import { defaultConfig } from '../../src/config.ts';
import { freePort, type RunningServer, startMosquitto, tempDir } from '../support/servers.ts';

function context(args: string[]) {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    ctx: {
      config: defaultConfig(),
      log: pino({ level: 'silent' }),
      args,
      out: (l: string) => {
        lines.push(l);
      },
      err: (l: string) => {
        errors.push(l);
      },
    },
  };
}

describe('facility simulate', () => {
  let broker: RunningServer;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('refuses a command line it cannot run, with exit 2', async () => {
    expect(await run(context([]).ctx)).toBe(2);
    const noRegistry = context(['--lifts', '2']);
    expect(await run(noRegistry.ctx)).toBe(2); // no registry wired, no --credentials
    expect(noRegistry.errors.join('\n')).toMatch(/pass --credentials FILE/);
    expect(await run(context(['--lifts', 'many']).ctx)).toBe(2);
    expect(await run(context(['--credentials', 'x.json', '--lifts', '1']).ctx)).toBe(2);
    const missing = context(['--lifts', '1', '--unregistered', '--scenario', 'nope.json']);
    expect(await run(missing.ctx)).toBe(2);
    expect(missing.errors.join('\n')).toMatch(/nope\.json: cannot read it/);
  });

  it('reports a registry it cannot open in one line, exit 1', async () => {
    const down = context(['--lifts', '1']);
    const refuse = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    };
    expect(await createSimulate({ provisionFleet: refuse })(down.ctx)).toBe(1);
    expect(down.errors).toEqual(['facility: cannot register the fleet: connect ECONNREFUSED 127.0.0.1:5432']);
  });

  it('runs the devices of a credentials file for a simulated duration and says what it published', async () => {
    const file = join(tempDir('creds'), 'fleet.json');
    writeFileSync(
      file,
      JSON.stringify([
        { deviceId: 'C-L-1', kind: 'lift', secret: 's1', interval_s: 10, floors: 6 },
        { deviceId: 'C-P-1', kind: 'pump', secret: 's2', interval_s: 10 },
      ]),
    );
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`);
    const topics = new Set<string>();
    watcher.on('message', (t) => topics.add(t));
    await watcher.subscribeAsync('fm/demo/#');
    const { ctx, lines } = context([
      '--credentials',
      file,
      '--url',
      `mqtt://127.0.0.1:${broker.port}`,
      '--speed',
      '30',
      '--duration',
      '60s',
    ]);
    expect(await run(ctx)).toBe(0);
    await watcher.endAsync();
    expect(topics).toContain('fm/demo/lift/C-L-1/telemetry');
    expect(topics).toContain('fm/demo/pump/C-P-1/status');
    expect(lines.at(-1)).toMatch(/^published [1-9]\d*, failed 0/);
  });

  it('fails (exit 1) when no device could connect, saying where and why', async () => {
    const port = await freePort();
    const { ctx, errors } = context([
      '--lifts',
      '2',
      '--unregistered',
      '--url',
      `mqtt://127.0.0.1:${port}`,
      '--speed',
      '10',
      '--duration',
      '10s',
    ]);
    expect(await run(ctx)).toBe(1);
    expect(errors.at(-1)).toMatch(
      new RegExp(
        `^facility: no device could connect to mqtt://127\\.0\\.0\\.1:${port} \\(last error: .*ECONNREFUSED`,
      ),
    );
  });

  it('takes devices from an injected provisioner (the registry)', async () => {
    const provisionFleet = vi.fn(async () => [
      { deviceId: 'R-NVR-1', kind: 'cctv' as const, secret: 'from-registry' },
    ]);
    const { ctx } = context([
      '--cctv',
      '1',
      '--url',
      `mqtt://127.0.0.1:${broker.port}`,
      '--speed',
      '10',
      '--duration',
      '5s',
    ]);
    expect(await createSimulate({ provisionFleet })(ctx)).toBe(0);
    expect(provisionFleet).toHaveBeenCalledWith({ lifts: 0, pumps: 0, lighting: 0, cctv: 1 }, 'demo');
  });
});
