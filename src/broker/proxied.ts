import type { Socket } from 'node:net';
import type { RefusalReason } from './counters.ts';
import { type Endpoint, ProxyHeaderReader } from './proxy-protocol.ts';

/** The client's endpoint a PROXY protocol header gave, by the socket the header came on. */
const proxiedSources = new WeakMap<object, Endpoint>();

/** The address a PROXY protocol header gave for this socket; undefined when none did. */
export function proxiedAddress(socket: object | undefined): string | undefined {
  if (!socket) return undefined;
  // A TLS socket is not the one the header came on: that is the TCP socket under it (`_parent`,
  // which Node's TLSSocket keeps for the socket it wraps).
  const under = (socket as { _parent?: object })._parent;
  return (proxiedSources.get(socket) ?? (under && proxiedSources.get(under)))?.address;
}

export interface ProxyFront {
  /** The connect timeout: a header not complete by then is refused (as a CONNECT would be). */
  timeoutMs: number;
  refuse: (reason: RefusalReason, detail: Record<string, unknown>) => void;
}

/**
 * Reads the PROXY protocol header a load balancer sends first on each connection, then hands the
 * socket on (to MQTT, or to a TLS or HTTP server) with what followed the header put back in front,
 * so none of the client's bytes is lost. Only called where the operator said a proxy stands in
 * front (FM_MQTT_PROXY_PROTOCOL): anyone else could claim any address with such a header. A
 * connection that sends something else, or not a whole header within the timeout, is refused and
 * counted; one that closes before sending anything is not (a port check, e.g. compose's).
 */
export function expectProxyHeader(socket: Socket, front: ProxyFront, next: (socket: Socket) => void): void {
  const reader = new ProxyHeaderReader();
  // Whoever opened this connection: the proxy, or a client that went around it.
  const remote = socket.remoteAddress;
  const end = () => {
    clearTimeout(timer);
    socket.off('readable', read);
    socket.off('close', end);
  };
  const timer = setTimeout(() => {
    end();
    front.refuse('connect-timeout', { remote, waiting: 'PROXY protocol header' });
    socket.destroy();
  }, front.timeoutMs);
  // Pulled with read() rather than taken from 'data' events: once the 'readable' listener is gone
  // the socket is neither flowing nor paused, as a fresh one, for whatever reads it next.
  const read = () => {
    for (;;) {
      const chunk = socket.read() as Buffer | null;
      if (chunk === null) return;
      const header = reader.feed(chunk);
      if (header.kind === 'more') continue;
      end();
      if (header.kind === 'invalid') {
        front.refuse('proxy-header', { remote, error: header.error });
        socket.destroy();
        return;
      }
      if (header.source) proxiedSources.set(socket, header.source);
      if (header.rest.length > 0) socket.unshift(header.rest);
      next(socket);
      return;
    }
  };
  socket.on('readable', read);
  socket.once('close', end);
  // A reset before the header is the proxy's or the client's business; 'close' follows.
  socket.on('error', () => {});
}
