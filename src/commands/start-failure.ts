import type { Config } from '../config.ts';
import { RecordsError } from '../records/index.ts';
import { RuleFileError } from '../rules/index.ts';

/** The platform's listeners and the settings that place them. */
const LISTENERS = [
  { port: 'FM_API_PORT', host: 'FM_API_HOST', what: 'the API' },
  { port: 'FM_MQTT_PORT', host: 'FM_MQTT_HOST', what: 'MQTT (TCP)' },
  { port: 'FM_MQTT_WS_PORT', host: 'FM_MQTT_HOST', what: 'MQTT over WebSocket' },
  { port: 'FM_MQTT_TLS_PORT', host: 'FM_MQTT_HOST', what: 'MQTT over TLS' },
] as const;

interface ListenError {
  code: string;
  address?: string;
  port?: number;
}

function listenProblem(err: ListenError, config: Config): { message: string; setting: string } | undefined {
  const byPort = LISTENERS.filter((l) => config[l.port] === err.port);
  const listener = byPort.find((l) => config[l.host] === err.address) ?? byPort[0];
  if (!listener) return undefined;
  const where = `${listener.what} cannot listen on ${err.address}:${err.port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return {
        setting: listener.port,
        message: `${where}: another program holds that port (a facility start already running?); set ${listener.port} to a free port`,
      };
    case 'EACCES':
      return {
        setting: listener.port,
        message: `${where}: ports below 1024 need privileges this process lacks; set ${listener.port} to 1024 or above`,
      };
    case 'EADDRNOTAVAIL':
      return {
        setting: listener.host,
        message: `${where}: ${err.address} is not an address of this machine; set ${listener.host}`,
      };
    default:
      return undefined;
  }
}

/**
 * Why `facility start` failed, said for the person who can fix it (which setting, which file),
 * or undefined for a failure that is a fault of the platform (logged with its stack).
 */
export function startFailure(
  err: unknown,
  config: Config,
): { message: string; fields: Record<string, unknown> } | undefined {
  if (err instanceof RecordsError || err instanceof RuleFileError)
    return { message: err.message, fields: {} };
  const e = err as Partial<ListenError> & { syscall?: string };
  if (e?.syscall === 'listen' && typeof e.code === 'string') {
    const problem = listenProblem(e as ListenError, config);
    if (problem)
      return {
        message: problem.message,
        fields: { code: e.code, address: e.address, port: e.port, setting: problem.setting },
      };
  }
  return undefined;
}
