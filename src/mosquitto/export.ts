/**
 * mosquitto's dynamic security file, written from the registry. mosquitto 2.0's plugin takes a
 * password only in clear through its API, but reads its JSON file, pre-hashed passwords included
 * (`password`, `salt`, `iterations`: plugins/dynamic-security/clients.c), when mosquitto starts.
 * So this file, written before mosquitto starts, gives it every device with the registry's broker
 * hash: the whole registry at once, and every password, with no secret held anywhere.
 */
import { type BrokerAccount, brokerHashSync, parseBrokerHash } from '../records/index.ts';
import {
  DEVICE_TEXT,
  type DynsecRole,
  deviceRole,
  deviceRoleAcls,
  SERVICE_NAMES,
  SERVICE_ROLE,
  SERVICE_TEXT,
  secretMark,
  serviceRoleAcls,
} from './plan.ts';

export const ADMIN_ROLE = 'fm-dynsec-admin';
const ADMIN_TEXT = 'facility-monitor dynamic security admin';

interface FileClient {
  username: string;
  textname?: string;
  [key: string]: unknown;
}

interface DynsecFile {
  defaultACLAccess?: Record<string, boolean>;
  clients?: FileClient[];
  groups?: unknown[];
  roles?: (DynsecRole & Record<string, unknown>)[];
  [key: string]: unknown;
}

function hashed(brokerHash: string): Record<string, unknown> {
  const parts = parseBrokerHash(brokerHash);
  if (!parts) throw new Error('not a $7$ (PBKDF2-SHA512) broker hash');
  return parts;
}

const OURS = new Set([DEVICE_TEXT, SERVICE_TEXT, ADMIN_TEXT]);

/**
 * The file's contents: `existing` (an operator's own clients, roles and groups) kept, ours replaced
 * by the registry's. The admin is the account sync.ts manages mosquitto with.
 */
export function dynsecFile(o: {
  accounts: BrokerAccount[];
  serviceSecret: string;
  admin: { username: string; password: string };
  existing?: DynsecFile;
}): DynsecFile {
  const ours = (rolename: string) =>
    rolename === ADMIN_ROLE || rolename === SERVICE_ROLE || rolename.startsWith('fm-device-');
  const clients: FileClient[] = (o.existing?.clients ?? []).filter(
    (c) => !OURS.has(c.textname ?? '') && c.username !== o.admin.username,
  );
  const roles = (o.existing?.roles ?? []).filter((r) => !ours(r.rolename));
  roles.push(
    {
      rolename: ADMIN_ROLE,
      acls: [
        { acltype: 'publishClientSend', topic: '$CONTROL/dynamic-security/#', allow: true },
        { acltype: 'publishClientReceive', topic: '$CONTROL/dynamic-security/#', allow: true },
        { acltype: 'subscribePattern', topic: '$CONTROL/dynamic-security/#', allow: true },
      ],
    },
    { rolename: SERVICE_ROLE, acls: serviceRoleAcls() },
  );
  clients.push({
    username: o.admin.username,
    textname: ADMIN_TEXT,
    roles: [{ rolename: ADMIN_ROLE }],
    ...hashed(brokerHashSync(o.admin.password)),
  });
  for (const name of SERVICE_NAMES)
    clients.push({
      username: `service.${name}`,
      textname: SERVICE_TEXT,
      roles: [{ rolename: SERVICE_ROLE }],
      ...hashed(brokerHashSync(o.serviceSecret)),
    });
  for (const a of o.accounts) {
    // A device issued before broker hashes existed cannot be given a password: its next rotation will.
    if (!a.brokerHash) continue;
    roles.push({ rolename: deviceRole(a.deviceId), acls: deviceRoleAcls(a) });
    clients.push({
      username: a.deviceId,
      clientid: a.deviceId,
      textname: DEVICE_TEXT,
      textdescription: secretMark(a.brokerHash),
      disabled: a.revoked,
      roles: [{ rolename: deviceRole(a.deviceId) }],
      ...hashed(a.brokerHash),
    });
  }
  return {
    ...o.existing,
    // Nothing is allowed that a role does not allow: no publishing, no subscribing [contract].
    defaultACLAccess: {
      publishClientSend: false,
      publishClientReceive: true,
      subscribe: false,
      unsubscribe: true,
    },
    clients,
    groups: o.existing?.groups ?? [],
    roles,
  };
}
