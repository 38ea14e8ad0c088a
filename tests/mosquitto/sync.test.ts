/** The sync's ordering against a scripted mosquitto and registry (the real ones: dynsec.test.ts). */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { DynsecConnection } from '../../src/mosquitto/control.ts';
import {
  type Command,
  DEVICE_TEXT,
  deviceRole,
  deviceRoleAcls,
  secretMark,
} from '../../src/mosquitto/plan.ts';
import { startDynsecSync } from '../../src/mosquitto/sync.ts';
import { type BrokerAccount, brokerHashSync, type IssuedSecret } from '../../src/records/index.ts';

const OLD = 'old-secret-0123456789abcdefghijkl';
const NEW = 'new-secret-0123456789abcdefghijkl';

describe('mosquitto sync', () => {
  it('does not drop a secret issued while a comparison was reading the registry', async () => {
    const oldHash = brokerHashSync(OLD);
    const newHash = brokerHashSync(NEW);
    const account = (brokerHash: string): BrokerAccount => ({
      deviceId: 'lift-2',
      site: 'estate-1',
      kind: 'lift',
      brokerHash,
      revoked: false,
    });
    const client = {
      username: 'lift-2',
      clientid: 'lift-2',
      textname: DEVICE_TEXT,
      textdescription: secretMark(oldHash),
      roles: [{ rolename: deviceRole('lift-2') }],
    };
    const role = { rolename: deviceRole('lift-2'), acls: deviceRoleAcls(account(oldHash)) };
    const sent: Command[] = [];
    const conn: DynsecConnection = {
      send: async (commands) => {
        sent.push(...commands);
        for (const c of commands)
          if (c.command === 'modifyClient' && typeof c.textdescription === 'string')
            client.textdescription = c.textdescription;
        return commands.map((c) => ({
          command: c.command,
          data:
            c.command === 'listClients'
              ? { clients: [client] }
              : c.command === 'listRoles'
                ? { roles: [role] }
                : c.command === 'getClient'
                  ? { client }
                  : c.command === 'getRole'
                    ? { role }
                    : undefined,
        }));
      },
      connected: () => true,
      onConnect: () => {},
      close: async () => {},
    };
    let listener: ((issued: IssuedSecret[]) => void) | undefined;
    let reads = 0;
    const sync = await startDynsecSync({
      admin: { url: 'mqtt://127.0.0.1:1', username: 'admin', password: 'x' },
      records: {
        // The rotation commits, and its secret is issued, while the first read is in flight.
        brokerAccounts: async () => {
          if (++reads === 1) {
            listener!([{ deviceId: 'lift-2', secret: NEW }]);
            return [account(oldHash)];
          }
          return [account(newHash)];
        },
        onSecretsIssued: (l) => {
          listener = l;
          return () => {};
        },
        changedDevices: async () => ({ devices: [], cursor: '' }),
      },
      serviceSecret: 'service-secret-0123456789',
      log: pino({ level: 'silent' }),
      checkMs: 3600_000,
      followMs: 3600_000,
      connect: () => conn,
    });
    await sync.check(); // the comparison that read the old hash
    await sync.check(); // by now the issued secret's own run has been queued before this one
    expect(sent).toContainEqual({ command: 'setClientPassword', username: 'lift-2', password: NEW });
    expect(sync.health()).toEqual({ status: 'ok' });
    await sync.stop();
  });
});
