import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, loadConfig, settings } from '../../src/config.ts';
import { tempDir } from '../support/servers.ts';

const run = promisify(execFile);

describe('configuration', () => {
  it('has safe defaults: loopback broker, embedded database, zh-CN', () => {
    const config = defaultConfig();
    expect(config.FM_MQTT_HOST).toBe('127.0.0.1');
    expect(config.FM_MQTT_PORT).toBe(1883);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.FM_MQTT_MAX_PACKET_BYTES).toBe(65_536);
    expect(config.FM_LANG).toBe('zh-CN');
    expect(config.FM_DEMO).toBe(true);
  });

  it.each([
    ['FM_MQTT_PORT', 'abc'],
    ['FM_MQTT_PORT', '70000'],
    ['FM_LOG_LEVEL', 'loud'],
    ['FM_LANG', 'fr'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['FM_MQTT_MAX_PACKET_BYTES', '-1'],
    ['FM_DEMO', 'perhaps'],
    ['FM_SERVICE_SECRET', 'short'],
    ['FM_MQTT_TLS_CERT', '/etc/cert.pem'],
  ])('%s=%s is refused with a message naming it', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('FM_MQTT_TLS_CERT' === name ? 'FM_MQTT_TLS_KEY' : name);
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it.each([
    ['DATABASE_URL', 'mysql://fm@db/fm', 'mysql:// is not accepted here; use postgres:// or postgresql://'],
    ['DATABASE_URL', 'db.local:5432/fm', 'no scheme; use postgres:// or postgresql://'],
    ['FM_INFLUX_URL', 'influx.local:8086', 'no scheme; use http:// or https://'],
    ['FM_INFLUX_URL', 'udp://influx:8089', 'udp:// is not accepted here; use http:// or https://'],
    ['FM_MQTT_URL', 'http://emqx:1883', 'use mqtt://, mqtts://, tcp://, tls://, ws:// or wss://'],
    ['FM_GRAFANA_URL', 'grafana:3000/x', 'no scheme; use http:// or https://'],
  ])('%s=%s says which schemes are expected', (name, value, expected) => {
    expect(() => loadConfig({ [name]: value })).toThrow(expected);
  });

  it('reads a JSON config file, with the environment taking precedence', () => {
    const file = join(tempDir('config'), 'fm.json');
    writeFileSync(file, JSON.stringify({ FM_MQTT_PORT: 2883, FM_LANG: 'en' }));
    const config = loadConfig({ FM_CONFIG_FILE: file, FM_LANG: 'zh-CN' });
    expect(config.FM_MQTT_PORT).toBe(2883);
    expect(config.FM_LANG).toBe('zh-CN');
    writeFileSync(file, '{"FM_NOPE": 1}');
    expect(() => loadConfig({ FM_CONFIG_FILE: file })).toThrow(/FM_NOPE/);
  });

  it('warns of an unknown FM_ variable with the setting it most likely meant, and ignores it', () => {
    const warnings: string[] = [];
    const config = loadConfig(
      {
        FM_API_PROT: '9090',
        FM_NOTHING_LIKE_IT: '1',
        FM_GRAFANA_PG_HOST: 'db:5432',
        FM_TEST_LOG: 'info',
        PATH: '/bin',
      },
      { warn: (w) => warnings.push(w) },
    );
    expect(config.FM_API_PORT).toBe(8080);
    expect(warnings).toEqual([
      'FM_API_PROT is not a setting (did you mean FM_API_PORT?); it is ignored (docs/configuration.md lists them)',
      'FM_NOTHING_LIKE_IT is not a setting; it is ignored (docs/configuration.md lists them)',
    ]);
  });

  it('names the closest setting for an unknown key of the config file', () => {
    const file = join(tempDir('config'), 'fm.json');
    writeFileSync(file, JSON.stringify({ FM_MQTT_PROT: 1883 }));
    expect(() => loadConfig({ FM_CONFIG_FILE: file })).toThrow(
      /FM_MQTT_PROT \(did you mean FM_MQTT_PORT\?\)/,
    );
  });

  it('refuses a TLS file or rule file that does not exist or is not a file, naming the setting', () => {
    const dir = tempDir('config-files');
    const cert = join(dir, 'broker.crt');
    writeFileSync(cert, 'pem');
    const fail = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(fail({ FM_MQTT_TLS_CERT: cert, FM_MQTT_TLS_KEY: join(dir, 'broker.key') })).toBe(
      `FM_MQTT_TLS_KEY=${JSON.stringify(join(dir, 'broker.key'))}: no such file`,
    );
    expect(fail({ FM_RULES_FILES: `${cert}, ${dir}` })).toBe(
      `FM_RULES_FILES=${JSON.stringify(dir)}: not a file`,
    );
    expect(fail({ FM_MQTT_TLS_CERT: cert, FM_MQTT_TLS_KEY: cert, FM_RULES_FILES: cert })).toBe('accepted');
  });

  it('reads FM_ADMIN_TOKEN, and FACILITY_ADMIN_TOKEN, its old name, with a deprecation warning', () => {
    const token = 'a'.repeat(40);
    const warnings: string[] = [];
    const warn = (w: string) => warnings.push(w);
    expect(loadConfig({ FM_ADMIN_TOKEN: token }, { warn }).FM_ADMIN_TOKEN).toBe(token);
    expect(warnings).toEqual([]);
    expect(loadConfig({ FACILITY_ADMIN_TOKEN: token }, { warn }).FM_ADMIN_TOKEN).toBe(token);
    expect(warnings).toEqual(['FACILITY_ADMIN_TOKEN is deprecated: rename it FM_ADMIN_TOKEN']);
    warnings.length = 0;
    const both = loadConfig({ FM_ADMIN_TOKEN: token, FACILITY_ADMIN_TOKEN: 'b'.repeat(40) }, { warn });
    expect(both.FM_ADMIN_TOKEN).toBe(token);
    expect(warnings).toEqual(['FACILITY_ADMIN_TOKEN is ignored: FM_ADMIN_TOKEN, its new name, is set']);
    // In the config file too; a refusal names the setting as the operator wrote it.
    const file = join(tempDir('config'), 'fm.json');
    writeFileSync(file, JSON.stringify({ FACILITY_ADMIN_TOKEN: token }));
    expect(loadConfig({ FM_CONFIG_FILE: file }).FM_ADMIN_TOKEN).toBe(token);
    expect(() => loadConfig({ FACILITY_ADMIN_TOKEN: 'short' })).toThrow(/^FACILITY_ADMIN_TOKEN=/);
  });

  it('the CLI exits 1 with one line naming the variable and value', async () => {
    const err = await run('node', ['bin/facility.js', 'config'], {
      env: { ...process.env, FM_MQTT_PORT: 'eighteen' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toMatch(/FM_MQTT_PORT="eighteen"/);
  });

  it('docs/configuration.md lists every setting with its default', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    const defaults = defaultConfig() as Record<string, unknown>;
    for (const name of Object.keys(settings)) {
      const value = defaults[name];
      expect(doc).toContain(`| \`${name}\` | ${value === undefined ? '(unset)' : `\`${String(value)}\``} |`);
    }
  });
});
