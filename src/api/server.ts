/**
 * The only part of the API that owns a port. stop() stops accepting, lets in-flight requests
 * finish (up to shutdownGraceMs, then cuts their connections), ends the live streams, and returns.
 */
import { type ApiDeps, buildApp } from './app.ts';
import { resolveApiOptions } from './options.ts';

export interface RunningApi {
  stop(): Promise<void>;
  /** `http://host:port` as bound (port 0 resolved). */
  address: string;
}

export async function startApi(deps: ApiDeps): Promise<RunningApi> {
  const options = resolveApiOptions(deps.options);
  const app = buildApp(deps);
  // A request in flight when stop() begins is answered with `Connection: close`: its keep-alive
  // connection would otherwise sit open after the answer until the grace period cut it (server
  // close only ends the connections idle at the moment it is called).
  let closing = false;
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const info = app.server.address();
  const port = typeof info === 'object' && info ? info.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const address = `http://${host}:${port}`;
  app.log.info({ address }, 'API listening');
  let stopping: Promise<void> | undefined;
  return {
    address,
    stop: () => {
      stopping ??= (async () => {
        // fastify's close waits for in-flight requests; keep-alive sockets that sit idle are closed
        // by it, those answered from now on close after their answer, and anything still open
        // after the grace period is cut.
        closing = true;
        const force = setTimeout(() => app.server.closeAllConnections(), options.shutdownGraceMs);
        force.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(force);
        }
        app.log.info('API stopped');
      })();
      return stopping;
    },
  };
}
