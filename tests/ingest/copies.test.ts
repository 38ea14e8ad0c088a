/**
 * Several ingest copies (FM_INGEST_COPY, docs/deploy.md "Several ingest copies"): the setting's
 * mapping onto ingest's MQTT account and filters, and its refusal where the broker has no shared
 * subscriptions (the platform's own aedes, in-process or over MQTT). The copies sharing readings on
 * a real mosquitto: tests/ingest/shared.test.ts.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../../src/broker/index.ts';
import { run as start } from '../../src/commands/start.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { ingestMqttOptions } from '../../src/ingest/index.ts';
import { ingestFilters, startMqttSource } from '../../src/ingest/mqtt-source.ts';
import { startServices } from '../../src/platform.ts';
import { serviceFilters } from '../../src/protocol/index.ts';
import { ingestCopyProblem } from '../../src/services.ts';
import { brokerWith, MemoryDirectory, SERVICE_SECRET, url } from '../broker/support.ts';
import { commandRunner } from '../records/cli-support.ts';

const log = pino({ level: 'silent' });
const account = {
  url: 'mqtt://mosquitto:1883',
  username: 'service.ingest',
  password: SERVICE_SECRET,
  clientId: 'service.ingest',
};

describe('FM_INGEST_COPY', () => {
  it('gives a copy its own client id and shared subscriptions in the group `ingest`', () => {
    expect(ingestMqttOptions(account, 'b2')).toEqual({
      ...account,
      clientId: 'service.ingest-b2',
      shareGroup: 'ingest',
    });
    expect(ingestFilters('ingest')).toEqual(serviceFilters().map((f) => `$share/ingest/${f}`));
    expect(ingestFilters('ingest')).toContain('$share/ingest/fm/+/+/+/telemetry');
  });

  it('leaves one ingest as it was when unset: client id service.ingest, plain subscriptions', () => {
    expect(ingestMqttOptions(account, undefined)).toEqual(account);
    expect(ingestFilters(undefined)).toEqual(serviceFilters());
  });

  it('takes names fit for a client id suffix and refuses others, naming the setting', () => {
    expect(loadConfig({ FM_INGEST_COPY: 'ingest-2', FM_MQTT_URL: 'mqtt://m:1883' }).FM_INGEST_COPY).toBe(
      'ingest-2',
    );
    expect(() => loadConfig({ FM_INGEST_COPY: 'Copy/1' })).toThrow(ConfigError);
    expect(() => loadConfig({ FM_INGEST_COPY: 'Copy/1' })).toThrow(/^FM_INGEST_COPY="Copy\/1": lower-case/);
  });

  it('is a problem only without FM_MQTT_URL, where ingest would read the built-in broker', () => {
    expect(ingestCopyProblem({ FM_INGEST_COPY: 'a', FM_MQTT_URL: 'mqtt://m:1883' })).toBeUndefined();
    expect(ingestCopyProblem({})).toBeUndefined();
    expect(ingestCopyProblem({ FM_INGEST_COPY: 'a' })).toMatch(
      /^FM_INGEST_COPY="a": .*shared subscriptions.*Set FM_MQTT_URL or unset FM_INGEST_COPY$/,
    );
  });
});

describe('refused with the built-in broker', () => {
  it('facility start says so and exits 1 before starting anything', async () => {
    // A data directory that does not exist: nothing may be opened or created.
    const dataDir = join(tmpdir(), `fm-copies-never-${process.pid}`);
    const facility = commandRunner(loadConfig({ FM_INGEST_COPY: 'a', FM_DATA_DIR: dataDir }), {
      shareStore: false,
    });
    const all = await facility(start, '--no-demo');
    expect(all.code).toBe(1);
    expect(all.err).toMatch(/^facility: bad configuration: FM_INGEST_COPY="a": /);
    const split = await facility(start, '--only', 'broker,ingest');
    expect(split.code).toBe(1);
    expect(split.err).toMatch(/FM_INGEST_COPY="a"/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('startServices refuses it before opening anything', async () => {
    const dataDir = join(tmpdir(), `fm-copies-never-${process.pid}`);
    const config = loadConfig({ FM_INGEST_COPY: 'a', FM_DATA_DIR: dataDir });
    await expect(startServices({ config, log, demo: false })).rejects.toThrow(/^FM_INGEST_COPY="a": /);
    expect(existsSync(dataDir)).toBe(false);
  });

  describe('over MQTT, aedes refuses the shared subscriptions', () => {
    let broker: Broker;
    beforeAll(async () => {
      broker = await brokerWith(new MemoryDirectory());
    });
    afterAll(() => broker?.stop());

    it('and the start fails naming FM_INGEST_COPY', async () => {
      const options = ingestMqttOptions({ ...account, url: url(broker) }, 'a');
      const handlers = { onMessage: () => {}, backpressure: () => undefined };
      await expect(startMqttSource(options, log, handlers)).rejects.toThrow(
        /refused subscriptions \$share\/ingest\/fm\/.*FM_INGEST_COPY.*mosquitto 2 or EMQX/,
      );
      // The same account without the copy name subscribes as one ingest always did.
      const one = await startMqttSource({ ...account, url: url(broker) }, log, handlers);
      await one.stop();
    });
  });
});
