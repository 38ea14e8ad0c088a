/**
 * Setup file of the `fast` project (vitest.config.ts): starting a process there throws, so a test
 * file that starts a server or runs a command-line child fails at once with what to do about it,
 * instead of quietly making the fast loop slow. Every external server the tests use (mosquitto,
 * PostgreSQL, influxd) starts through child_process, so this one tripwire covers them all.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

const STARTERS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;

for (const name of STARTERS) {
  Object.defineProperty(childProcess, name, {
    configurable: true,
    writable: true,
    value: () => {
      throw new Error(
        `child_process.${name} in a fast test: this file starts a process, so list it in INTEGRATION ` +
          'in vitest.config.ts (see the rule there)',
      );
    },
  });
}
// Named imports (`import { spawn } from 'node:child_process'`) read the ESM facade: update it too.
syncBuiltinESMExports();
