/**
 * What mosquitto's dynamic security plugin must hold for the registry, and the commands that bring
 * what it holds there. Pure: the sync (sync.ts) reads both sides and sends what this returns.
 *
 * The plugin's vocabulary (mosquitto 2.0 plugins/dynamic-security, `$CONTROL/dynamic-security/v1`):
 * clients (username, clientid, password, roles, disabled), roles with ACLs (`publishClientSend`,
 * `subscribeLiteral`, `subscribePattern`, ...). Default access (denied publish and subscribe) is
 * set by the file export.ts writes, and checked here.
 */
import { createHash } from 'node:crypto';
import { deviceTopics, SERVICE_PUBLISH_FILTER, SERVICE_SUBSCRIBE_FILTERS } from '../broker/index.ts';
import { type BrokerAccount, verifyBrokerHash } from '../records/index.ts';

export interface DynsecAcl {
  acltype: string;
  topic: string;
  allow: boolean;
  priority?: number;
}

export interface DynsecRole {
  rolename: string;
  acls: DynsecAcl[];
}

/** A client as `listClients`/`getClient` with `verbose` answer it. */
export interface DynsecClient {
  username: string;
  clientid?: string;
  textname?: string;
  textdescription?: string;
  disabled?: boolean;
  roles?: { rolename: string; priority?: number }[];
}

export type Command = Record<string, unknown> & { command: string };

/** Marks the clients this platform owns; others (the admin, an operator's own) are left alone. */
export const DEVICE_TEXT = 'facility-monitor device';
export const SERVICE_TEXT = 'facility-monitor service';
export const SERVICE_ROLE = 'fm-service';
/** The platform's service accounts (platform.ts, simulators): `service.<name>`. */
export const SERVICE_NAMES = ['ingest', 'rules', 'api', 'commands', 'simulator'] as const;

export function deviceRole(deviceId: string): string {
  return `fm-device-${deviceId}`;
}

/**
 * Which secret a client's password was set from, as a fingerprint of the registry's broker hash
 * (a hash of a hash: it tells nothing about the secret). Kept in the client's `textdescription`,
 * so a password that no longer matches the registry (a rotation done where the secret could not
 * reach mosquitto) is found after any restart, with no state of our own.
 */
export function secretMark(brokerHash: string): string {
  return `secret ${createHash('sha256').update(brokerHash).digest('hex').slice(0, 16)}`;
}

/** The device's ACL: exactly the topics broker/permissions.ts allows it. */
export function deviceRoleAcls(account: BrokerAccount): DynsecAcl[] {
  const topics = deviceTopics({ site: account.site, kind: account.kind, deviceId: account.deviceId });
  return [
    ...topics.publish.map((topic) => ({ acltype: 'publishClientSend', topic, allow: true })),
    { acltype: 'subscribeLiteral', topic: topics.subscribe, allow: true },
  ];
}

/** Services: command devices, subscribe to the tree and $SYS, alone or shared (mosquitto checks `$share/...` as sent). */
export function serviceRoleAcls(): DynsecAcl[] {
  return [
    { acltype: 'publishClientSend', topic: SERVICE_PUBLISH_FILTER, allow: true },
    ...SERVICE_SUBSCRIBE_FILTERS.flatMap((f) => [
      { acltype: 'subscribePattern', topic: f, allow: true },
      { acltype: 'subscribePattern', topic: `$share/+/${f}`, allow: true },
    ]),
  ];
}

function sameAcls(a: DynsecAcl[], b: DynsecAcl[]): boolean {
  const key = (l: DynsecAcl[]) =>
    l
      .map((x) => `${x.acltype}\0${x.topic}\0${x.allow}`)
      .sort()
      .join('\n');
  return key(a) === key(b);
}

export interface Repair {
  commands: Command[];
  /** Devices that must be able to connect but whose secret this process does not have. */
  needSecret: string[];
  /** Held secrets to forget: mosquitto has them already, or the registry has moved on. */
  forget: string[];
}

/**
 * Commands that make mosquitto hold what the registry says, for `accounts`, given what it holds
 * (`clients`, `roles`: undefined when absent). `secrets` are secrets in clear issued in this process,
 * used only if the registry's broker hash is still theirs; `complete` means `accounts` is the whole registry,
 * so a device client of ours that it does not list is deleted.
 */
export function planRepair(o: {
  accounts: BrokerAccount[];
  clients: Map<string, DynsecClient>;
  roles: Map<string, DynsecRole>;
  secrets?: ReadonlyMap<string, string>;
  complete: boolean;
}): Repair {
  const commands: Command[] = [];
  const needSecret: string[] = [];
  const forget: string[] = [];
  const listed = new Set<string>();
  for (const account of o.accounts) {
    const id = account.deviceId;
    listed.add(id);
    const client = o.clients.get(id);
    if (client && client.textname !== DEVICE_TEXT) continue; // not ours: an operator's own client
    if (account.revoked) {
      // Disabling kicks the live session (mosquitto kicks on disableClient) and refuses it after.
      if (client && !client.disabled) commands.push({ command: 'disableClient', username: id });
      continue;
    }
    const rolename = deviceRole(id);
    const acls = deviceRoleAcls(account);
    const role = o.roles.get(rolename);
    if (!role) commands.push({ command: 'createRole', rolename, acls });
    else if (!sameAcls(role.acls, acls)) commands.push({ command: 'modifyRole', rolename, acls });

    const held = o.secrets?.get(id);
    const current =
      held !== undefined && account.brokerHash !== null && verifyBrokerHash(held, account.brokerHash);
    if (held !== undefined && !current) forget.push(id); // a later secret replaced it
    const want = account.brokerHash ? secretMark(account.brokerHash) : undefined;
    if (current && client?.textdescription === want) forget.push(id); // mosquitto has it
    const fresh = current && client?.textdescription !== want ? { secret: held } : undefined;
    if (!client) {
      if (!fresh) {
        needSecret.push(id);
        continue;
      }
      commands.push({
        command: 'createClient',
        username: id,
        clientid: id, // client id = username [contract]
        password: fresh.secret,
        textname: DEVICE_TEXT,
        textdescription: want,
        roles: [{ rolename }],
      });
      continue;
    }
    const roles = client.roles?.map((r) => r.rolename) ?? [];
    if (client.clientid !== id || roles.length !== 1 || roles[0] !== rolename)
      commands.push({ command: 'modifyClient', username: id, clientid: id, roles: [{ rolename }] });
    if (fresh && client.textdescription !== want) {
      // setClientPassword kicks the live session: the one authenticated with the old secret.
      commands.push({ command: 'setClientPassword', username: id, password: fresh.secret });
      commands.push({ command: 'modifyClient', username: id, textdescription: want });
      if (client.disabled) commands.push({ command: 'enableClient', username: id });
    } else if (!want || client.textdescription !== want) {
      // Its password is not the registry's current secret (rotated where the secret could not reach
      // us): fail closed, the old secret must not keep working.
      needSecret.push(id);
      if (!client.disabled) commands.push({ command: 'disableClient', username: id });
    } else if (client.disabled) commands.push({ command: 'enableClient', username: id });
  }
  if (o.complete) {
    for (const [username, client] of o.clients) {
      if (client.textname === DEVICE_TEXT && !listed.has(username)) {
        commands.push({ command: 'deleteClient', username });
        if (o.roles.has(deviceRole(username)))
          commands.push({ command: 'deleteRole', rolename: deviceRole(username) });
      }
    }
  }
  return { commands, needSecret, forget };
}

/** The service accounts' role and clients; their password (the service secret) is known here. */
export function planServices(o: {
  clients: Map<string, DynsecClient>;
  roles: Map<string, DynsecRole>;
  serviceSecret: string;
}): Command[] {
  const commands: Command[] = [];
  const acls = serviceRoleAcls();
  const role = o.roles.get(SERVICE_ROLE);
  if (!role) commands.push({ command: 'createRole', rolename: SERVICE_ROLE, acls });
  else if (!sameAcls(role.acls, acls)) commands.push({ command: 'modifyRole', rolename: SERVICE_ROLE, acls });
  for (const name of SERVICE_NAMES) {
    const username = `service.${name}`;
    const client = o.clients.get(username);
    // No clientid: each copy of a service connects as `service.<name>-<suffix>`.
    if (!client)
      commands.push({
        command: 'createClient',
        username,
        password: o.serviceSecret,
        textname: SERVICE_TEXT,
        roles: [{ rolename: SERVICE_ROLE }],
      });
    else if (client.textname === SERVICE_TEXT) {
      const roles = client.roles?.map((r) => r.rolename) ?? [];
      if (roles.length !== 1 || roles[0] !== SERVICE_ROLE)
        commands.push({ command: 'modifyClient', username, roles: [{ rolename: SERVICE_ROLE }] });
      if (client.disabled) commands.push({ command: 'enableClient', username });
    }
  }
  return commands;
}
