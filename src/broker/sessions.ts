import type { Aedes, Client } from 'aedes';
import type { Logger } from '../log.ts';
import type { DeviceDirectory, RegisteredDevice } from '../records/index.ts';
import { principals } from './auth.ts';
import type { BrokerStats } from './counters.ts';

export interface SessionWatch {
  stop(): Promise<void>;
}

/** Why a live device session is ended, or undefined to keep it. */
function endReason(client: Client, device: RegisteredDevice): 'revoked' | 'rotated' | undefined {
  const p = principals.get(client);
  if (p?.type !== 'device') return undefined;
  if (device.revokedAt) return 'revoked';
  // A legacy hash rewritten in the fast form keeps the rotation time: only a new secret ends it.
  return (device.secretRotatedAt?.getTime() ?? null) !== p.secretRotatedAt ? 'rotated' : undefined;
}

/**
 * Follows the registry's feed of revocations and rotations, and ends the live session of a device
 * revoked or rotated away, on this node, within `everyMs`. The registry is read at every CONNECT
 * too, so the device cannot come back. Every broker node runs one, so a device is cut off
 * wherever it is connected.
 */
export async function watchSessions(o: {
  aedes: Aedes;
  devices: DeviceDirectory;
  stats: BrokerStats;
  log: Logger;
  everyMs: number;
}): Promise<SessionWatch> {
  // aedes keeps its connected clients by id; its typings do not declare the map.
  const clients = (o.aedes as unknown as { clients: Record<string, Client | undefined> }).clients;
  let cursor = (await o.devices.changedDevices(undefined)).cursor;
  let running: Promise<void> | undefined;

  const check = async () => {
    try {
      const changes = await o.devices.changedDevices(cursor);
      cursor = changes.cursor;
      for (const device of changes.devices) {
        const client = clients[device.deviceId];
        const reason = client && endReason(client, device);
        if (!client || !reason) continue;
        o.stats.counters.sessionsEnded[reason]++;
        // The audit line: who was cut off and why.
        o.log.info(
          { clientId: device.deviceId, site: device.site, reason },
          `device session ended: ${reason}`,
        );
        // A revoked device's will is not its to send any more: without a principal the ACL
        // refuses it (counted as will-denied) and aedes deletes the stored will. A rotated device
        // is still ours, and its `offline` is true until it reconnects with the new secret.
        if (reason === 'revoked') principals.delete(client);
        client.close();
      }
    } catch (err) {
      o.log.warn(
        { err: (err as Error).message },
        'could not read device changes from the registry; will retry',
      );
    }
  };
  const timer = setInterval(() => {
    running ??= check().finally(() => {
      running = undefined;
    });
  }, o.everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
