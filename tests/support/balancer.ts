/**
 * A TCP round-robin load balancer on 127.0.0.1, in the test's process, the way HAProxy's
 * `balance roundrobin` in TCP mode places MQTT connections over broker nodes: each new connection
 * goes to the next node; a node that refuses the connection (dead) is skipped for the next.
 */
import { createServer, type Socket, connect as tcpConnect } from 'node:net';

export interface Balancer {
  port: number;
  /** Which node each accepted connection went to, by index into `ports`, in order. */
  placed: number[];
  stop(): Promise<void>;
}

export async function startBalancer(ports: readonly number[]): Promise<Balancer> {
  let next = 0;
  const placed: number[] = [];
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  };

  const forward = (client: Socket, tries: number) => {
    if (tries === ports.length) return void client.destroy();
    const index = next++ % ports.length;
    const upstream = tcpConnect(ports[index]!, '127.0.0.1');
    upstream.once('connect', () => {
      placed.push(index);
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.resume();
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.once('close', end);
      upstream.once('close', end);
      client.on('error', end);
      upstream.on('error', end);
    });
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      if (upstream.connecting || err.code === 'ECONNREFUSED') forward(client, tries + 1);
    });
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    client.on('error', () => client.destroy());
    forward(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    placed,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
