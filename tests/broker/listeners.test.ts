import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/index.ts';
import { tempDir } from '../support/servers.ts';
import { brokerWith, collect, MemoryDirectory, SECRET, service, until } from './support.ts';

/** A throwaway self-signed certificate for 127.0.0.1, made with Debian's openssl. */
function selfSigned(dir: string): { cert: string; key: string } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
    ].concat([
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]),
    { stdio: 'ignore' },
  );
  return {
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
  };
}

describe('broker listeners', () => {
  const dir = tempDir('tls');
  const tls = selfSigned(dir);
  const directory = new MemoryDirectory();
  let broker: Broker;
  beforeAll(async () => {
    await directory.add('L-1', 'demo', 'lift');
    broker = await brokerWith(directory, { tls });
  });
  afterAll(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a reconnect storm into a deep backlog on every listener (Node defaults to 511)', () => {
    // The kernel caps the backlog at net.core.somaxconn; `ss` shows a listener's backlog as Send-Q.
    const cap = Math.min(65_535, Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8')));
    for (const { port } of [broker.addresses.tcp, broker.addresses.ws, broker.addresses.tls!]) {
      const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim();
      expect(Number(line.split(/\s+/)[2]), `backlog of port ${port}`).toBe(cap);
    }
  });

  it('binds every listener to loopback', () => {
    expect(broker.addresses.tcp.host).toBe('127.0.0.1');
    expect(broker.addresses.ws.host).toBe('127.0.0.1');
    expect(broker.addresses.tls?.host).toBe('127.0.0.1');
  });

  it.each([
    ['WebSocket', (b: Broker) => `ws://127.0.0.1:${b.addresses.ws.port}/mqtt`],
    ['TLS', (b: Broker) => `mqtts://127.0.0.1:${b.addresses.tls!.port}`],
  ])('authenticates and delivers over %s', async (_name, url) => {
    const sub = await service(broker);
    const got = collect(sub);
    await sub.subscribeAsync('fm/#');
    const dev = await mqtt.connectAsync(url(broker), {
      clientId: 'L-1',
      username: 'L-1',
      password: SECRET,
      ca: tls.cert,
      reconnectPeriod: 0,
    });
    await dev.publishAsync('fm/demo/lift/L-1/event', '{"seq":1,"code":"alarm_button"}', { qos: 1 });
    await until(() => got.length === 1);
    await dev.endAsync();
    await expect(
      mqtt.connectAsync(url(broker), {
        clientId: 'L-1',
        username: 'L-1',
        password: 'wrong-0123456789',
        ca: tls.cert,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();
    await sub.endAsync();
  });
});
