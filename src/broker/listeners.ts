import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { RefusalReason } from './counters.ts';
import { expectProxyHeader, type ProxyFront, proxiedAddress } from './proxied.ts';

export interface Address {
  host: string;
  port: number;
}

export interface Listener {
  address: Address;
  /** Still accepting connections. */
  listening(): boolean;
  close(): Promise<void>;
}

type Handle = (conn: Duplex, req?: import('node:http').IncomingMessage) => void;
/** Reports a connection a listener refused before MQTT began (a failed TLS or WebSocket handshake...). */
type Refuse = (reason: RefusalReason, detail: Record<string, unknown>) => void;

/** A TLS or WebSocket handshake not done by then is abandoned (Node waits 120 s for TLS, 60 s for HTTP). */
const HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * Connections waiting to be accepted. Node's default of 511 overflowed tens of thousands of times
 * when 10,000 devices reconnected within 10 s, and each dropped handshake then waited out TCP's
 * retransmit backoff (1, 3, 7, 15 s). The kernel caps it at net.core.somaxconn (4096 on current
 * kernels; docs/deploy.md says how to raise it).
 */
const LISTEN_BACKLOG = 65_535;

function listen(server: NetServer | HttpServer, host: string, port: number): Promise<Address> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      const a = server.address() as { address: string; port: number };
      resolve({ host: a.address, port: a.port });
    });
  });
}

function closer(server: NetServer | HttpServer, sockets: Set<Duplex>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
}

/** Tracks open connections so stop() can end them, and sets TCP_NODELAY (Nagle adds ~40 ms to QoS 0). */
function accept(handle: Handle, sockets: Set<Duplex>) {
  return (socket: Socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    handle(socket);
  };
}

/** The client's address: the one a PROXY protocol header gave, else the socket's own. */
function addressOf(socket: Duplex & { remoteAddress?: string }): string | undefined {
  return proxiedAddress(socket) ?? socket.remoteAddress;
}

/**
 * Behind a proxy (FM_MQTT_PROXY_PROTOCOL), the server that listens: it reads each connection's
 * PROXY protocol header, then hands the connection to `next` (MQTT, or the TLS or HTTP server,
 * which then take it as if they had accepted it themselves: both read what was put back first).
 */
function proxied(proxy: ProxyFront, sockets: Set<Duplex>, next: (socket: Socket) => void): NetServer {
  return createNetServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    expectProxyHeader(socket, proxy, next);
  });
}

export async function listenTcp(
  host: string,
  port: number,
  handle: Handle,
  proxy?: ProxyFront,
): Promise<Listener> {
  const sockets = new Set<Duplex>();
  const server = proxy ? proxied(proxy, sockets, handle) : createNetServer(accept(handle, sockets));
  return {
    address: await listen(server, host, port),
    listening: () => server.listening,
    close: closer(server, sockets),
  };
}

export async function listenTls(
  host: string,
  port: number,
  tls: { cert: string; key: string },
  handle: Handle,
  refuse: Refuse = () => {},
  proxy?: ProxyFront,
): Promise<Listener> {
  const sockets = new Set<Duplex>();
  const tlsServer = createTlsServer(
    { cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2', handshakeTimeout: HANDSHAKE_TIMEOUT_MS },
    accept(handle, sockets),
  );
  // Plain MQTT on the TLS port, TLS 1.0, a handshake that never ends: refused before MQTT begins.
  tlsServer.on('tlsClientError', (err: Error & { code?: string }, socket) =>
    refuse('tls-handshake-failed', { remote: addressOf(socket), error: err.code ?? err.message }),
  );
  const server = proxy ? proxied(proxy, sockets, (s) => tlsServer.emit('connection', s)) : tlsServer;
  return {
    address: await listen(server, host, port),
    listening: () => server.listening,
    close: closer(server, sockets),
  };
}

/**
 * MQTT over WebSocket at /mqtt, subprotocol `mqtt` (MQTT 3.1.1 §6). What the WebSocket layer itself
 * refuses (a frame over the size limit, a text frame, a broken frame) is reported to `refuse`
 * before the connection is cut; what it lets through goes to `handle` like a TCP stream.
 */
export async function listenWebSocket(
  host: string,
  port: number,
  maxPacketBytes: number,
  handle: Handle,
  refuse: Refuse = () => {},
  proxy?: ProxyFront,
): Promise<Listener> {
  const sockets = new Set<Duplex>();
  const http = createHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect to /mqtt\n');
  });
  const wss = new WebSocketServer({
    server: http,
    path: '/mqtt',
    // One WebSocket frame may carry at most one maximum-size MQTT packet plus framing slack.
    maxPayload: maxPacketBytes + 1024,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
  });
  // ws re-emits the HTTP server's errors (a port in use) on itself; listen() below reports them.
  wss.on('error', () => {});
  http.on('connection', (socket) => socket.setNoDelay(true));
  http.headersTimeout = HANDSHAKE_TIMEOUT_MS;
  // A request that is not HTTP, or too slow, and an upgrade ws will not accept (bad key or version):
  // answered 400 as Node and ws would, and counted.
  const badHandshake = (err: Error & { code?: string }, socket: Duplex & { remoteAddress?: string }) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy(); // the client went away
    refuse('ws-handshake-failed', { remote: addressOf(socket), error: err.code ?? err.message });
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  };
  http.on('clientError', badHandshake);
  wss.on('wsClientError', badHandshake);
  wss.on('connection', (ws, req) => {
    const remote = addressOf(req.socket);
    // MQTT travels in binary frames only [MQTT-6.0.0-1]. Listening before the stream does means a
    // text frame is refused before its bytes reach the broker.
    ws.on('message', (_data, isBinary) => {
      if (isBinary) return;
      refuse('protocol-violation', { rule: 'MQTT-6.0.0-1', remote });
      stream.destroy();
      ws.terminate();
    });
    // ws refuses frames over maxPayload (and broken ones) with an error, then closes the connection.
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
        refuse('oversize-packet', { rule: 'maximum packet size', remote, websocket: err.code });
      else if (err.code?.startsWith('WS_ERR_'))
        refuse('malformed-packet', { rule: 'RFC 6455', remote, websocket: err.code });
    });
    const stream = createWebSocketStream(ws);
    stream.on('error', () => ws.terminate());
    sockets.add(stream);
    stream.once('close', () => sockets.delete(stream));
    handle(stream, req);
  });
  const server = proxy ? proxied(proxy, sockets, (s) => http.emit('connection', s)) : http;
  const address = await listen(server, host, port);
  // Node's HTTP server enforces headersTimeout from its 'listening' event on (it starts checking
  // its connections then): behind the proxy it does not listen itself, so it is told.
  if (server !== http) http.emit('listening');
  return {
    address,
    listening: () => server.listening,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closer(server, sockets)();
      // Stops that checking (Node answers that a server which never listened was not running).
      if (server !== http) http.close();
    },
  };
}
