/**
 * `npm ci` builds dist/ (prepare) and `facility` runs it: in a copy of the checkout whose
 * node_modules lacks tsx, as after `npm prune --omit=dev`, only the compiled JavaScript can run.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/servers.ts';

const exec = promisify(execFile);
const checkout = tempDir('build-checkout');
const modules = realpathSync('node_modules');

async function node(args: string[], env: Record<string, string> = {}) {
  return exec(process.execPath, args, { cwd: checkout, env: { ...process.env, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
}

beforeAll(() => {
  for (const path of [
    'package.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'bin',
    'scripts',
    'src',
    'rules',
  ])
    cpSync(path, join(checkout, path), { recursive: true });
  mkdirSync(join(checkout, 'node_modules'));
  for (const name of readdirSync(modules))
    if (name !== 'tsx' && name !== '.bin')
      symlinkSync(join(modules, name), join(checkout, 'node_modules', name));
});
afterAll(() => rmSync(checkout, { recursive: true, force: true }));

describe('the build and the launcher', () => {
  it('builds dist/ and runs it without tsx; refuses stale or missing output with what to run', async () => {
    const unbuilt = await node(['bin/facility.js', '--version']);
    expect(unbuilt.code).toBe(1);
    expect(unbuilt.stderr).toMatch(/dist\/ is missing or older than src\/.*run `npm run build`/);

    expect((await node(['scripts/build.js'])).code).toBe(0);
    expect(existsSync(join(checkout, 'dist', 'cli.js'))).toBe(true);
    // What modules read beside themselves comes along: the records migrations.
    expect(readdirSync(join(checkout, 'dist', 'records', 'migrations')).sort()).toEqual(
      readdirSync('src/records/migrations').sort(),
    );

    const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(await node(['bin/facility.js', '--version'])).toMatchObject({
      code: 0,
      stdout: `facility-monitor ${version}\n`,
    });
    // The whole stack from dist/: config, records (PGlite and its migrations), the command.
    const listed = await node(['bin/facility.js', 'sites', 'list', '--json'], {
      FM_DATA_DIR: join(checkout, 'data'),
      FM_LOG_LEVEL: 'warn',
    });
    expect(listed).toMatchObject({ code: 0, stdout: '[]\n' });

    // An edit after the build: dist/ no longer stands for src/.
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(checkout, 'src', 'cli.ts'), later, later);
    expect((await node(['bin/facility.js', '--version'])).code).toBe(1);
    // With tsx (a development checkout) the sources themselves run.
    symlinkSync(join(modules, 'tsx'), join(checkout, 'node_modules', 'tsx'));
    expect(await node(['bin/facility.js', '--version'])).toMatchObject({
      code: 0,
      stdout: `facility-monitor ${version}\n`,
    });
  }, 180_000);
});
