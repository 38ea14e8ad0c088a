/**
 * Fixture processes started ahead of their turn: a kill test starts the next life while the current
 * one runs, so Node's start and the loading of src/ (about a second a life) overlap the current
 * life instead of following its kill. The fixture loads its modules, then waits here for `go`,
 * which the test sends once the previous life is dead; what it does from then on is unchanged.
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** Starts `bin/run-ts.js fixture ...args` with stdout piped and stdin kept for the `go`. */
export function startAhead(fixture: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['bin/run-ts.js', fixture, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

/** Lets a child from startAhead begin. */
export function go(child: ChildProcess): void {
  child.stdin!.end('go\n');
}

/** In the fixture: resolves on `go`; rejects (so the process exits) if the test went away first. */
export function waitForTurn(): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      got += chunk;
      if (got.includes('go\n')) {
        process.stdin.removeAllListeners();
        process.stdin.destroy();
        resolve();
      }
    });
    process.stdin.once('end', () => reject(new Error('the test ended before this life began')));
  });
}
