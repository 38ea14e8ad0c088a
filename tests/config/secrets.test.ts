/** Configuration messages end up in terminals and journald: they never show a secret. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as printConfig } from '../../src/commands/config.ts';
import { loadConfig } from '../../src/config.ts';
import { hideUrlPassword } from '../../src/redact.ts';
import { tempDir } from '../support/servers.ts';

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('configuration errors never print a secret', () => {
  const token31 = 'T0k3n'.repeat(6).slice(0, 31);

  it.each([
    ['FM_ADMIN_TOKEN', token31],
    ['FACILITY_ADMIN_TOKEN', token31],
    ['FM_SERVICE_SECRET', 'sh0rt-s3cret'],
  ])('%s too short: named, value hidden', (name, value) => {
    const message = refusal({ [name]: value });
    expect(message).toMatch(new RegExp(`^${name}=<hidden>: `));
    expect(message).not.toContain(value);
  });

  it.each([
    ['postgres://fm:s3cr3t-pw@db:99999/fm', 's3cr3t-pw', 'postgres://fm:***@db:99999/fm'],
    ['postgres://fm:p@ss:w0rd@db:99999/fm', 'w0rd', 'postgres://fm:***@db:99999/fm'],
    ['mysql://fm:s3cr3t-pw@db/fm', 's3cr3t-pw', 'mysql://fm:***@db/fm'],
    ['postgres://db:99999/fm?sslmode=require&password=hunter22', 'hunter22', '&password=***'],
  ])('DATABASE_URL=%s refused with its password hidden', (url, secret, shown) => {
    const message = refusal({ DATABASE_URL: url });
    expect(message).not.toContain(secret);
    expect(message).toContain(shown);
  });

  it('refuses credentials in the URLs that are logged or linked, without echoing them', () => {
    const mqtt = refusal({ FM_MQTT_URL: 'mqtt://svc:m9tt-pass@emqx:1883' });
    expect(mqtt).toContain('FM_MQTT_URL="mqtt://svc:***@emqx:1883": no user or password in this URL');
    expect(mqtt).not.toContain('m9tt-pass');
    const influx = refusal({
      FM_INFLUX_URL: 'http://admin:1nflux-pass@influx:8086',
      FM_INFLUX_MODE: 'v1',
      FM_INFLUX_DATABASE: 'fm',
    });
    expect(influx).toMatch(/FM_INFLUX_USER and FM_INFLUX_PASSWORD/);
    expect(influx).not.toContain('1nflux-pass');
  });

  it('says where a config file is not JSON without quoting the text around the mistake', () => {
    const file = join(tempDir('secrets'), 'fm.json');
    writeFileSync(file, `{\n  "FM_LANG": "en",\n  "FM_ADMIN_TOKEN": supersecret-admin-token-0123456789\n}\n`);
    const message = refusal({ FM_CONFIG_FILE: file });
    expect(message).toBe(`FM_CONFIG_FILE=${JSON.stringify(file)}: not valid JSON (line 3)`);
  });

  it('`facility config` prints the configuration with secrets and URL passwords hidden', async () => {
    const env = {
      FM_ADMIN_TOKEN: 'a'.repeat(40),
      FM_SERVICE_SECRET: 'b'.repeat(20),
      FM_INFLUX_URL: 'http://influx:8086',
      FM_INFLUX_MODE: 'v1',
      FM_INFLUX_DATABASE: 'fm',
      FM_INFLUX_PASSWORD: 'c'.repeat(12),
      DATABASE_URL: 'postgres://fm:pa%3As%40w0rd@db:5432/fm',
    };
    const out: string[] = [];
    const code = await printConfig({
      config: loadConfig(env),
      log: undefined as never,
      args: ['--no-connect'],
      out: (l) => out.push(l),
      err: () => {},
    });
    expect(code).toBe(0);
    const printed = JSON.parse(out.join('\n'));
    expect(printed).toMatchObject({
      FM_ADMIN_TOKEN: '***',
      FM_SERVICE_SECRET: '***',
      FM_INFLUX_PASSWORD: '***',
      DATABASE_URL: 'postgres://fm:***@db:5432/fm',
    });
    expect(out.join('\n')).not.toMatch(/aaaa|bbbb|cccc|w0rd/);
  });

  it('hides URL passwords however the URL is malformed', () => {
    expect(hideUrlPassword('postgres://user@db/fm')).toBe('postgres://user@db/fm');
    expect(hideUrlPassword('postgres://u:x:y@z@db')).toBe('postgres://u:***@db');
    expect(hideUrlPassword('not a url')).toBe('not a url');
  });
});
