/** Runs a `facility` command in-process, as `bin/facility.js` would, and keeps what it said. */
import type { CommandContext } from '../../src/cli.ts';
import type { Config } from '../../src/config.ts';
import { silent } from './suite.ts';

export type Command = (ctx: CommandContext) => Promise<number>;

/** `facility(command, ...args)` for one config: the exit code, stdout lines joined, stderr. */
export function commandRunner(config: Config) {
  return async (command: Command, ...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const ctx: CommandContext = {
      config,
      log: silent,
      args,
      out: (line) => out.push(line),
      err: (line) => err.push(`${line}\n`),
    };
    const code = await command(ctx);
    return { code, out: out.join('\n'), err: err.join('') };
  };
}
