/** The command line's conventions, through the entry point as a person meets them. */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';
import { tempDir } from '../support/servers.ts';

const dataDir = tempDir('cli');
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function facility(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    args,
    { FM_DATA_DIR: dataDir, FM_LOG_LEVEL: 'silent', ...env },
    {
      out: (line) => out.push(...line.split('\n')),
      err: (line) => err.push(...line.split('\n')),
    },
  );
  return { code, out, err };
}

const COMMANDS = [
  'config',
  'start',
  'sites',
  'devices',
  'staff',
  'duty',
  'maintenance',
  'zones',
  'rounds',
  'ingest',
  'simulate',
];
const GROUPS = ['sites', 'devices', 'staff', 'duty', 'maintenance', 'zones', 'rounds'];

describe('facility command line', () => {
  it('lists every command in its help', async () => {
    const help = await facility(['--help']);
    expect(help).toMatchObject({ code: 0, err: [] });
    for (const name of COMMANDS) expect(help.out.join('\n')).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect((await facility(['help'])).out).toEqual(help.out);
  });

  it.each(COMMANDS)('answers `%s --help` with its usage on stdout and exit 0', async (name) => {
    for (const args of [
      [name, '--help'],
      [name, '-h'],
      ['help', name],
    ]) {
      const { code, out, err } = await facility(args);
      expect({ code, err }, args.join(' ')).toEqual({ code: 0, err: [] });
      expect(out[0]).toMatch(new RegExp(`^usage: facility ${name}\\b`));
    }
  });

  it.each(GROUPS)('answers --help for every subcommand of %s', async (group) => {
    const listing = (await facility([group, '--help'])).out;
    const subcommands = listing.map((l) => /^ {2}([a-z][a-z-]*)\b/.exec(l)?.[1]).filter(Boolean) as string[];
    expect(subcommands.length).toBeGreaterThan(1);
    for (const sub of subcommands) {
      const { code, out } = await facility([group, sub, '--help']);
      expect(code).toBe(0);
      expect(out[0]).toMatch(new RegExp(`^usage: facility ${group} ${sub}\\b`));
    }
  });

  it('answers `ingest rejects --help` too', async () => {
    const { code, out } = await facility(['ingest', 'rejects', '--help']);
    expect(code).toBe(0);
    expect(out[0]).toMatch(/^usage: facility ingest rejects/);
  });

  it('prints its version', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    for (const flag of ['--version', '-V', 'version'])
      expect(await facility([flag])).toEqual({ code: 0, out: [`${pkg.name} ${pkg.version}`], err: [] });
  });

  it('shows help even while a setting is wrong', async () => {
    expect((await facility(['start', '--help'], { FM_MQTT_PORT: 'eighteen' })).code).toBe(0);
  });

  it.each([
    [['stat'], /^facility: unknown command "stat"; did you mean "start"\?/],
    [['--bogus'], /^facility: unknown option "--bogus"/],
    [['sites'], /^facility sites: missing subcommand/],
    [['sites', 'lst'], /^facility sites: unknown subcommand "lst"; did you mean "list"\?/],
    [
      ['sites', 'list', '--colour'],
      /^facility sites list: unknown option '--colour' \(`facility sites list --help`/,
    ],
    [['sites', 'add', 'x'], /^facility sites add: --name is required/],
    [['devices', 'add', '--site'], /^facility devices add: option '--site <value>' argument missing/],
    [['start', '--demo'], /^facility start: unknown option '--demo'/],
    [['config', 'extra'], /^facility config: unexpected argument 'extra'/],
    [['ingest'], /^facility ingest: missing subcommand "rejects"/],
    [['ingest', 'rejects', '--device'], /^facility ingest: option '--device <value>' argument missing/],
    [['simulate', '--lifts', 'many'], /^facility simulate: --lifts must be a whole number/],
  ])('refuses %j with exit 2 and one line on stderr', async (args, message) => {
    const { code, out, err } = await facility(args);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
  });

  it('prints the usage on stderr with exit 2 when no command is given', async () => {
    const { code, out, err } = await facility([]);
    expect({ code, out }).toEqual({ code: 2, out: [] });
    expect(err[0]).toMatch(/^usage: facility <command>/);
  });
});

describe('facility output streams', () => {
  it('keeps stdout for the command output: `sites list --json` on a first run is JSON alone', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      'node',
      ['bin/facility.js', 'sites', 'list', '--json'],
      {
        env: {
          ...process.env,
          FM_DATA_DIR: join(dataDir, 'first-run'),
          FM_LOG_LEVEL: 'info',
          FM_LOG_FORMAT: 'json',
        },
      },
    );
    expect(JSON.parse(stdout)).toEqual([]);
    // The first run creates the new database (from the build's seed, or by migrating) and says so, on stderr.
    expect(stderr).toMatch(/created from the built seed|applied records migration/);
    for (const line of stderr.trim().split('\n')) expect(JSON.parse(line)).toHaveProperty('level');
  }, 60_000);
});
