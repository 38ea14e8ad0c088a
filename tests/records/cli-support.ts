/** Runs a `facility` command in-process, as `bin/facility.js` would, and keeps what it said. */
import type { CommandContext } from '../../src/cli.ts';
import type { Config } from '../../src/config.ts';
import { openRecords, type Records } from '../../src/records/index.ts';
import { silent } from './suite.ts';

export type Command = (ctx: CommandContext) => Promise<number>;

/**
 * `facility(command, ...args)` for one config: the exit code, stdout lines joined, stderr. The
 * commands share one open store (`facility.store()`, also for the test's own checks), as opening
 * the embedded one costs about half a second per command; `facility.close()` closes it. With
 * `shareStore: false` each command opens and closes the store itself, as from the shell.
 */
export function commandRunner(config: Config, { shareStore = true } = {}) {
  let store: Promise<Records> | undefined;
  const open = () =>
    (store ??= openRecords({ databaseUrl: config.DATABASE_URL, dataDir: config.FM_DATA_DIR, log: silent }));
  const facility = async (command: Command, ...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CommandContext = {
      config,
      log: silent,
      args,
      out: (line) => out.push(line),
      err: (line) => err.push(`${line}\n`),
      store: shareStore ? await open() : undefined,
    };
    const code = await command(ctx);
    return { code, out: out.join('\n'), err: err.join('') };
  };
  return Object.assign(facility, {
    store: open,
    async close() {
      if (store) await (await store).close();
      store = undefined;
    },
  });
}
