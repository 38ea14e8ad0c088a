import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/index.ts';
import { requireBinary } from '../support/servers.ts';
import { brokerWith, collect, device, MemoryDirectory, SECRET, service, until } from './support.ts';

const run = promisify(execFile);
type Result = { code: number; stdout: string; stderr: string };

/** Runs a Debian mosquitto client; resolves with its exit code and output whatever they are. */
function client(bin: 'mosquitto_pub' | 'mosquitto_sub', args: string[]): Promise<Result> {
  requireBinary(`/usr/bin/${bin}`, 'mosquitto-clients');
  return run(bin, args, { timeout: 10_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
}

describe('the broker with an outside client (mosquitto_pub / mosquitto_sub)', () => {
  const directory = new MemoryDirectory();
  let broker: Broker;
  let common: string[];
  beforeAll(async () => {
    await directory.add('L-1', 'demo', 'lift');
    await directory.add('L-2', 'demo', 'lift');
    broker = await brokerWith(directory);
    common = ['-h', '127.0.0.1', '-p', String(broker.addresses.tcp.port), '-V', 'mqttv311'];
  });
  afterAll(() => broker.stop());

  const as = (id: string, secret = SECRET) => ['-i', id, '-u', id, '-P', secret];

  it('accepts a device’s own event and delivers it', async () => {
    const sub = await service(broker);
    const got = collect(sub);
    await sub.subscribeAsync('fm/#');
    const r = await client('mosquitto_pub', [
      ...common,
      ...as('L-1'),
      '-q',
      '1',
      '-t',
      'fm/demo/lift/L-1/event',
      '-m',
      '{"seq":1,"code":"entrapment"}',
    ]);
    expect(r.code).toBe(0);
    await until(() => got.length === 1);
    expect(got[0]!.topic).toBe('fm/demo/lift/L-1/event');
    await sub.endAsync();
  });

  it('refuses a wrong secret', async () => {
    const r = await client('mosquitto_pub', [
      ...common,
      ...as('L-1', 'not-the-secret-0000'),
      '-t',
      'fm/demo/lift/L-1/event',
      '-m',
      '{}',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not authori[sz]ed|bad user name or password|Connection Refused/i);
  });

  it('drops a publish to another device’s topic', async () => {
    const sub = await service(broker, 'watch');
    const got = collect(sub);
    await sub.subscribeAsync('fm/#');
    await client('mosquitto_pub', [
      ...common,
      ...as('L-1'),
      '-q',
      '1',
      '-t',
      'fm/demo/lift/L-2/event',
      '-m',
      '{"seq":2,"code":"entrapment"}',
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual([]);
    await sub.endAsync();
  });

  it('denies a device subscribing to # and sends it nothing', async () => {
    const sub = client('mosquitto_sub', [...common, ...as('L-2'), '-t', '#', '-C', '1', '-W', '2']);
    const other = await device(broker, 'L-1');
    await new Promise((r) => setTimeout(r, 500));
    await other.publishAsync('fm/demo/lift/L-1/event', '{"seq":3,"code":"alarm_button"}', { qos: 1 });
    const r = await sub;
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/denied/i);
    await other.endAsync();
  });
});
