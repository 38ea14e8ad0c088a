import type { AedesOptions } from 'aedes';
import type { BrokerStats } from './counters.ts';

/**
 * Checks on a CONNECT packet before anything else sees it (aedes's preConnect hook). A refusal
 * closes the connection without a CONNACK, as MQTT 3.1.1 §3.1.4 asks of a malformed CONNECT, and is
 * counted by reason.
 */
export function createPreConnect(stats: BrokerStats): NonNullable<AedesOptions['preConnect']> {
  return (client, packet, done) => {
    const will = packet.will;
    // [MQTT-3.1.2-14]: a will's QoS is 0, 1 or 2. The parser lets 3 through, and a will of QoS 3
    // retained on the bus breaks delivery to every QoS 1 wildcard subscriber from then on.
    if (will && !(will.qos === 0 || will.qos === 1 || will.qos === 2)) {
      stats.refuse('bad-will-qos', packet.clientId || client.id, { willQos: will.qos });
      return done(new Error('will QoS outside 0..2 [MQTT-3.1.2-14]'), false);
    }
    done(null, true);
  };
}
