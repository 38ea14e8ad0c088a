import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LogOptions {
  level: string;
  format: 'auto' | 'pretty' | 'json';
  /** Destination stream; stderr by default, so that stdout carries only a command's output (`| jq`). */
  stream?: NodeJS.WritableStream;
}

/** The root logger: readable in a terminal, JSON lines otherwise. Services take `.child({ service })`. */
export function createLogger({ level, format, stream = process.stderr }: LogOptions): Logger {
  const readable =
    format === 'pretty' || (format === 'auto' && (stream as { isTTY?: boolean }).isTTY === true);
  if (!readable) return pino({ level }, stream);
  return pino(
    { level },
    pretty({ destination: stream, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
  );
}
