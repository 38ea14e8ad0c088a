/** A logger that keeps every line it writes, for tests that check what was logged. */
import { Writable } from 'node:stream';
import pino from 'pino';

export interface CapturedLog {
  log: pino.Logger;
  /** Everything logged so far, as written (JSON lines). */
  text(): string;
  /** Everything logged so far, parsed. */
  entries(): Record<string, unknown>[];
}

export function captureLog(level: pino.Level = 'debug'): CapturedLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const text = () => lines.join('');
  return {
    log: pino({ level }, stream),
    text,
    entries: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
