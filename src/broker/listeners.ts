import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';

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

export async function listenTcp(host: string, port: number, handle: Handle): Promise<Listener> {
  const sockets = new Set<Duplex>();
  const server = createNetServer(accept(handle, sockets));
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
): Promise<Listener> {
  const sockets = new Set<Duplex>();
  const server = createTlsServer(
    { cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' },
    accept(handle, sockets),
  );
  return {
    address: await listen(server, host, port),
    listening: () => server.listening,
    close: closer(server, sockets),
  };
}

/** MQTT over WebSocket at /mqtt, subprotocol `mqtt` (MQTT 3.1.1 §6). */
export async function listenWebSocket(
  host: string,
  port: number,
  maxPacketBytes: number,
  handle: Handle,
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
  http.on('connection', (socket) => socket.setNoDelay(true));
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => ws.terminate());
    sockets.add(stream);
    stream.once('close', () => sockets.delete(stream));
    handle(stream, req);
  });
  const address = await listen(http, host, port);
  return {
    address,
    listening: () => http.listening,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closer(http, sockets)();
    },
  };
}
