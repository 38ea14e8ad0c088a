import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { createWebSocketStream, WebSocket } from 'ws';
import type { Broker, BrokerOptions } from '../../../src/broker/index.ts';
import { brokerWith, MemoryDirectory, SERVICE_SECRET } from '../support.ts';
import { namespaced, type Substitution } from './substitute.ts';

/**
 * The corpus connects as a service account: services may use any `fm/...` command topic and
 * subscribe anywhere under `fm/`, so the namespaced topics pass the ACL and what is tested is the
 * protocol, not the ACL. Every sequence has its own client ids (no session takeover between
 * sequences running at once).
 */
export function serviceSubstitution(serviceSecret: string): Substitution {
  return {
    identity: (index, role) => ({
      clientId: `service.corpus-${role === 'helper' ? 'h' : ''}${index}`,
      username: 'service.corpus',
      password: serviceSecret,
    }),
    topic: namespaced,
  };
}

export const platformSubstitution = serviceSubstitution(SERVICE_SECRET);

/** The platform's broker as the corpus meets it: the suite's settings, listeners on free ports. */
export function startCorpusBroker(options: Partial<BrokerOptions> = {}): Promise<Broker> {
  // Hundreds of sequences connect from one address within seconds; the flapping detector is tested elsewhere.
  return brokerWith(new MemoryDirectory(), { flapConnects: 100_000, authFailures: 100_000, ...options });
}

export function dialTls(port: number, ca: string): () => Promise<Duplex> {
  return () =>
    new Promise((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, ca }, () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
}

/** MQTT over WebSocket (binary frames, subprotocol `mqtt`) as a byte stream. */
export function dialWebSocket(port: number): () => Promise<Duplex> {
  return () =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/mqtt`, 'mqtt');
      ws.once('error', reject);
      ws.once('open', () => {
        ws.off('error', reject);
        resolve(createWebSocketStream(ws));
      });
    });
}
