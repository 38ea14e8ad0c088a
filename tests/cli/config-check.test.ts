/**
 * `facility config` refuses what `facility start` would: a wrong database password, an InfluxDB
 * that does not answer, a bad rule file, TLS files that are no certificate and key. Real
 * PostgreSQL (with password authentication for one role) and a real InfluxDB 1.x.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/commands/config.ts';
import { loadConfig } from '../../src/config.ts';
import { type RunningInfluxd, startInfluxd } from '../support/influxd.ts';
import { freePort, type RunningServer, startPostgres, tempDir } from '../support/servers.ts';

const dir = tempDir('config-check');
let postgres: RunningServer & { url: string };
let influx: RunningInfluxd;

beforeAll(async () => {
  [postgres, influx] = await Promise.all([startPostgres(), startInfluxd('fm')]);
  // The test cluster trusts every local login; make one role prove its password.
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE ROLE checker LOGIN PASSWORD 'right-pass-1'`);
  const [{ hba_file }] = (await admin.query('SHOW hba_file')).rows as [{ hba_file: string }];
  await admin.query(
    `COPY (VALUES ('host all checker 127.0.0.1/32 scram-sha-256'), ('host all all 127.0.0.1/32 trust'), ('local all all trust')) TO '${hba_file}'`,
  );
  await admin.query('SELECT pg_reload_conf()');
  await admin.end();
}, 120_000);
afterAll(async () => {
  await Promise.all([postgres?.stop(), influx?.stop()]);
});

async function config(env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run({
    config: loadConfig({ FM_DATA_DIR: join(dir, 'data'), ...env }),
    log: pino({ level: 'silent' }),
    args,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  return { code, out: out.join('\n'), checks: err };
}

const pgUrl = (password: string) => `postgres://checker:${password}@127.0.0.1:${postgres.port}/postgres`;
const influxEnv = (url: string) => ({ FM_INFLUX_URL: url, FM_INFLUX_MODE: 'v1', FM_INFLUX_DATABASE: 'fm' });

describe('facility config checks what start needs', () => {
  it('passes when the database takes the password and InfluxDB answers', async () => {
    const { code, checks } = await config({ DATABASE_URL: pgUrl('right-pass-1'), ...influxEnv(influx.url) });
    expect(checks).toEqual([
      'ok    rules: shipped rules',
      expect.stringMatching(
        /^ok {4}records: PostgreSQL 15\.\S* at postgres:\/\/checker:\*\*\*@127\.0\.0\.1:\d+\/postgres$/,
      ),
      `ok    readings: InfluxDB at ${influx.url} (v1, database fm)`,
    ]);
    expect(code).toBe(0);
  }, 30_000);

  it('fails naming the database when the password is wrong, without printing it', async () => {
    const { code, out, checks } = await config({ DATABASE_URL: pgUrl('wrong-pass-2') });
    expect(code).toBe(1);
    expect(checks).toContainEqual(
      expect.stringMatching(
        /^FAIL {2}records: DATABASE_URL .*: password authentication failed for user "checker"$/,
      ),
    );
    expect(checks.at(-1)).toBe('facility config: 1 of 3 checks failed');
    expect([out, ...checks].join('\n')).not.toContain('wrong-pass-2');
  }, 30_000);

  it('fails naming InfluxDB when nothing answers there, or the database is missing', async () => {
    const down = await config(influxEnv(`http://127.0.0.1:${await freePort()}`));
    expect(down.code).toBe(1);
    expect(down.checks).toContainEqual(
      expect.stringMatching(/^FAIL {2}readings: FM_INFLUX_URL .*ECONNREFUSED/),
    );
    const missing = await config({ ...influxEnv(influx.url), FM_INFLUX_DATABASE: 'nope' });
    expect(missing.checks).toContainEqual(expect.stringMatching(/^FAIL {2}readings: .*database not found/));
  }, 30_000);

  it('fails naming a rule file that does not load, and TLS files that are no certificate and key', async () => {
    const rules = join(dir, 'site.json');
    writeFileSync(
      rules,
      '{\n  "version": 1,\n  "kinds": {\n    "lift": { "heartbeat": { "missedIntervals": "three" } }\n  }\n}\n',
    );
    const cert = join(dir, 'broker.crt');
    writeFileSync(cert, 'not a certificate');
    const { code, checks } = await config(
      { FM_RULES_FILES: rules, FM_MQTT_TLS_CERT: cert, FM_MQTT_TLS_KEY: cert },
      '--no-connect',
    );
    expect(code).toBe(1);
    expect(checks).toEqual([
      expect.stringMatching(new RegExp(`^FAIL {2}rules: ${rules}:4: `)),
      expect.stringMatching(/^FAIL {2}tls: FM_MQTT_TLS_CERT .* and FM_MQTT_TLS_KEY .*: /),
      'facility config: 2 of 2 checks failed',
    ]);
  }, 30_000);
});
